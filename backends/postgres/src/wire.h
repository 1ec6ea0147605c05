#ifndef KIVI_BACKENDS_POSTGRES_SRC_WIRE_H_
#define KIVI_BACKENDS_POSTGRES_SRC_WIRE_H_

// Statement parameters and results in libpq's binary format: bytea as raw
// bytes, int8 as 8 big-endian bytes, bytea[] in the array wire format. No
// I/O; the encoders are pure.

#include <libpq-fe.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "kivi/results.h"

namespace kivi::postgres_internal {

// The parameters of one statement, every one in binary format. Byte values
// point into the caller's memory, which must outlive the call that sends
// them; integers and arrays are kept here. At most kMax parameters.
class Params {
 public:
  static constexpr int kMax = 6;

  Params() = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  // A bytea (or text) parameter.
  Params& Bytes(absl::string_view value);
  // An int8 parameter.
  Params& Int64(int64_t value);
  // A bytea[] parameter holding `items`.
  Params& ByteaArray(absl::Span<const std::string> items);
  // A bytea[] parameter holding the keys (or the values) of `entries`.
  Params& ByteaArray(absl::Span<const KeyValue> entries, bool values);

  int size() const { return size_; }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& Add(const char* data, size_t size);

  int size_ = 0;
  std::array<const char*, kMax> values_{};
  std::array<int, kMax> lengths_{};
  std::array<int, kMax> formats_{};
  std::array<std::array<char, 8>, kMax> integers_{};
  std::array<std::string, kMax> arrays_;
};

// Encodes `count` bytea items (get(i) returns item i) as a one-dimensional
// bytea[] in PostgreSQL's binary array format.
template <typename Get>
std::string EncodeByteaArray(size_t count, Get get);

// Appends `value` as 4 (or 8) big-endian bytes.
void AppendInt32(int32_t value, std::string* out);
// Reads 8 big-endian bytes.
int64_t ReadInt64(const char* data);

// A statement's result, owning the PGresult. Values are in binary format.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}

  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int column) const {
    return PQgetisnull(result_.get(), row, column) != 0;
  }
  // A bytea (or text) value, valid while this Result lives.
  absl::string_view Bytes(int row, int column) const {
    return absl::string_view(PQgetvalue(result_.get(), row, column),
                             PQgetlength(result_.get(), row, column));
  }
  int64_t Int64(int row, int column) const {
    return ReadInt64(PQgetvalue(result_.get(), row, column));
  }
  bool Bool(int row, int column) const {
    return PQgetvalue(result_.get(), row, column)[0] != 0;
  }
  // Rows an INSERT/UPDATE/DELETE changed.
  int64_t affected() const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

template <typename Get>
std::string EncodeByteaArray(size_t count, Get get) {
  constexpr int32_t kByteaOid = 17;
  size_t bytes = 20;
  for (size_t i = 0; i < count; ++i) bytes += 4 + get(i).size();
  std::string out;
  out.reserve(bytes);
  AppendInt32(1, &out);  // Dimensions.
  AppendInt32(0, &out);  // No NULL elements.
  AppendInt32(kByteaOid, &out);
  AppendInt32(static_cast<int32_t>(count), &out);
  AppendInt32(1, &out);  // Lower bound.
  for (size_t i = 0; i < count; ++i) {
    absl::string_view item = get(i);
    AppendInt32(static_cast<int32_t>(item.size()), &out);
    out.append(item.data(), item.size());
  }
  return out;
}

}  // namespace kivi::postgres_internal

#endif  // KIVI_BACKENDS_POSTGRES_SRC_WIRE_H_
