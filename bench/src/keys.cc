#include "src/keys.h"

#include "absl/strings/str_cat.h"

namespace kivi_bench {

KeySet::KeySet(const std::string& prefix) {
  keys_.reserve(2 * kKeysPerSize);
  for (size_t i = 0; i < kKeysPerSize; ++i) keys_.push_back(absl::StrCat(prefix, i));
  for (size_t i = 0; i < kKeysPerSize; ++i) keys_.push_back(keys_[i]);
  for (const std::string& key : keys_) {
    pointers_.push_back(key.data());
    lengths_.push_back(key.size());
  }
}

KeyRun KeySet::Run(size_t first, size_t count) const {
  return KeyRun{absl::MakeConstSpan(keys_).subspan(first, count),
                pointers_.data() + first, lengths_.data() + first};
}

std::string StoredKeyPrefix(size_t value_bytes) {
  return absl::StrCat("bench:v", value_bytes, ":");
}

std::string MakeValue(size_t value_bytes) {
  std::string value(value_bytes, '\0');
  for (size_t i = 0; i < value_bytes; ++i) {
    value[i] = static_cast<char>('a' + i % 26);
  }
  return value;
}

}  // namespace kivi_bench
