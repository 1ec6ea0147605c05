#include "backends/postgres/src/wire.h"

#include <cstdlib>

namespace kivi::postgres_internal {

void AppendInt32(int32_t value, std::string* out) {
  const uint32_t v = static_cast<uint32_t>(value);
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

int64_t ReadInt64(const char* data) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(data[i]);
  return static_cast<int64_t>(v);
}

Params& Params::Add(const char* data, size_t size) {
  values_[size_] = data;
  lengths_[size_] = static_cast<int>(size);
  formats_[size_] = 1;
  ++size_;
  return *this;
}

Params& Params::Bytes(absl::string_view value) {
  // libpq reads a NULL pointer as SQL NULL, so an empty value needs one.
  return Add(value.data() != nullptr ? value.data() : "", value.size());
}

Params& Params::Int64(int64_t value) {
  std::array<char, 8>& bytes = integers_[size_];
  const uint64_t v = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (56 - 8 * i));
  return Add(bytes.data(), bytes.size());
}

Params& Params::ByteaArray(absl::Span<const std::string> items) {
  arrays_[size_] = EncodeByteaArray(
      items.size(), [&](size_t i) { return absl::string_view(items[i]); });
  return Add(arrays_[size_].data(), arrays_[size_].size());
}

Params& Params::ByteaArray(absl::Span<const KeyValue> entries, bool values) {
  arrays_[size_] = EncodeByteaArray(entries.size(), [&](size_t i) {
    return absl::string_view(values ? entries[i].value : entries[i].key);
  });
  return Add(arrays_[size_].data(), arrays_[size_].size());
}

int64_t Result::affected() const {
  return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
}

}  // namespace kivi::postgres_internal
