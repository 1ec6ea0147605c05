#ifndef KIVI_INTEGRATION_ROCKSDB_DURABLE_VALUE_H_
#define KIVI_INTEGRATION_ROCKSDB_DURABLE_VALUE_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kivi::testing {

// The value the durability writer stores under `key`: derived from the key,
// so the reader can check it, and 100+ bytes long, so the log has weight.
inline std::string DurableValue(absl::string_view key) {
  return absl::StrCat("value of ", key, ":", std::string(100, 'x'));
}

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_ROCKSDB_DURABLE_VALUE_H_
