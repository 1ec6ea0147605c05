#include "kivi/results.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kivi {

bool HealthReport::ok() const {
  if (endpoints.empty()) return false;
  for (const EndpointHealth& e : endpoints) {
    if (!e.ok) return false;
  }
  return true;
}

std::string HealthReport::ToString() const {
  std::string out;
  for (const EndpointHealth& e : endpoints) {
    if (e.ok) {
      absl::StrAppendFormat(&out, "%s ok %.3fms\n", e.endpoint,
                            absl::ToDoubleMilliseconds(e.latency));
    } else {
      absl::StrAppend(&out, e.endpoint, " DOWN: ", e.error.ToString(), "\n");
    }
  }
  return out;
}

}  // namespace kivi
