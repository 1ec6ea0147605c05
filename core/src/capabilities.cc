#include "kivi/capabilities.h"

#include <vector>

#include "absl/strings/str_join.h"

namespace kivi {

std::string Capabilities::ToString() const {
  std::vector<absl::string_view> names;
  if (add) names.push_back("add");
  if (replace) names.push_back("replace");
  if (increment) names.push_back("increment");
  if (compare_and_set) names.push_back("compare_and_set");
  if (touch) names.push_back("touch");
  if (append_prepend) names.push_back("append_prepend");
  if (flush) names.push_back("flush");
  if (delayed_flush) names.push_back("delayed_flush");
  if (stats) names.push_back("stats");
  return absl::StrJoin(names, ",");
}

Capabilities Capabilities::All() {
  Capabilities c;
  c.add = c.replace = c.increment = c.compare_and_set = true;
  c.touch = c.append_prepend = c.flush = c.delayed_flush = c.stats = true;
  return c;
}

}  // namespace kivi
