// Fuzzes every codec's Decode with bytes it did not produce (a corrupt or
// hostile stored value): raw, decimal (every integer width), JSON,
// protobuf, protobuf-JSON and the zstd wrapper.
//
// Input: byte 0 picks the codec; the rest is the stored value.
//
// Properties, beyond no crash, leak, undefined behaviour or exception:
// - Decode fails only with DataLoss;
// - whatever decodes survives a round trip: Encode(Decode(b)) succeeds and
//   decodes to the same value;
// - DecimalCodec<T> accepts exactly the documented form (optional '-' for
//   signed T, digits, trailing spaces, within T's range).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "kivi/codecs/compressed.h"
#include "kivi/codecs/decimal.h"
#include "kivi/codecs/json.h"
#include "kivi/codecs/protobuf.h"
#include "kivi/codecs/protobuf_json.h"
#include "kivi/codecs/raw.h"
#include "kivi/v1/kv.pb.h"
#include "nlohmann/json.hpp"

namespace kivi_fuzz {

// A typical application record: the field types JSON values map to.
struct Record {
  std::string name;
  int64_t count = 0;
  uint32_t small = 0;
  double score = 0;
  bool flag = false;
  std::vector<std::string> tags;
  std::map<std::string, int> attributes;

  friend bool operator==(const Record&, const Record&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Record, name, count, small, score, flag,
                                   tags, attributes)

}  // namespace kivi_fuzz

namespace kivi {
namespace {

using kivi_fuzz::Record;

template <typename T, typename Codec, typename Equal>
void RoundTrip(const Codec& codec, absl::string_view bytes, Equal equal) {
  absl::StatusOr<T> decoded = codec.Decode(bytes);
  if (!decoded.ok()) {
    KIVI_FUZZ_CHECK(absl::IsDataLoss(decoded.status()));
    return;
  }
  absl::StatusOr<std::string> encoded = EncodeWith(codec, *decoded);
  KIVI_FUZZ_CHECK(encoded.ok());
  absl::StatusOr<T> again = codec.Decode(*encoded);
  KIVI_FUZZ_CHECK(again.ok());
  KIVI_FUZZ_CHECK(equal(*decoded, *again));
}

template <typename T, typename Codec>
void RoundTrip(const Codec& codec, absl::string_view bytes) {
  RoundTrip<T>(codec, bytes, [](const T& a, const T& b) { return a == b; });
}

// The documented decimal form, checked independently of the codec.
template <typename T>
bool IsDecimalOf(absl::string_view bytes, T* out) {
  while (!bytes.empty() && bytes.back() == ' ') bytes.remove_suffix(1);
  const bool negative = !bytes.empty() && bytes.front() == '-';
  if (negative) {
    if (!std::is_signed_v<T>) return false;
    bytes.remove_prefix(1);
  }
  if (bytes.empty()) return false;
  // Magnitudes up to 2^64 fit in unsigned __int128 with room for one digit.
  unsigned __int128 magnitude = 0;
  for (char c : bytes) {
    if (c < '0' || c > '9') return false;
    magnitude = magnitude * 10 + static_cast<unsigned>(c - '0');
    if (magnitude > (static_cast<unsigned __int128>(1) << 64)) return false;
  }
  const __int128 value = negative ? -static_cast<__int128>(magnitude)
                                  : static_cast<__int128>(magnitude);
  if (value < std::numeric_limits<T>::min() ||
      value > std::numeric_limits<T>::max()) {
    return false;
  }
  *out = static_cast<T>(value);
  return true;
}

template <typename T>
void CheckDecimal(absl::string_view bytes) {
  const DecimalCodec<T> codec;
  T expected{};
  const bool valid = IsDecimalOf(bytes, &expected);
  absl::StatusOr<T> decoded = codec.Decode(bytes);
  KIVI_FUZZ_CHECK(decoded.ok() == valid);
  if (!valid) {
    KIVI_FUZZ_CHECK(absl::IsDataLoss(decoded.status()));
    return;
  }
  KIVI_FUZZ_CHECK(*decoded == expected);
  RoundTrip<T>(codec, bytes);
}

bool SameMessage(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace
}  // namespace kivi

// Protobuf logs every string field with invalid UTF-8 it refuses; a
// fuzzer feeds it thousands a second.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kivi;
  using Message = v1::BatchGetResponse;
  if (size < 1) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 1),
                                size - 1);
  // Small enough that a frame claiming more is refused cheaply.
  CompressionOptions small;
  small.max_decoded_bytes = 1 << 20;
  switch (data[0] % 14) {
    case 0:
      RoundTrip<std::string>(RawCodec(), bytes);
      break;
    case 1:
      CheckDecimal<int8_t>(bytes);
      break;
    case 2:
      CheckDecimal<uint8_t>(bytes);
      break;
    case 3:
      CheckDecimal<int16_t>(bytes);
      break;
    case 4:
      CheckDecimal<uint16_t>(bytes);
      break;
    case 5:
      CheckDecimal<int32_t>(bytes);
      break;
    case 6:
      CheckDecimal<uint32_t>(bytes);
      break;
    case 7:
      CheckDecimal<int64_t>(bytes);
      break;
    case 8:
      CheckDecimal<uint64_t>(bytes);
      break;
    case 9:
      RoundTrip<Record>(JsonCodec<Record>(), bytes);
      break;
    case 10:
      RoundTrip<Message>(ProtobufCodec<Message>(), bytes, SameMessage);
      break;
    case 11:
      RoundTrip<Message>(ProtobufJsonCodec<Message>(), bytes, SameMessage);
      break;
    case 12:
      RoundTrip<std::string>(Compressed<RawCodec>(small), bytes);
      break;
    case 13:
      RoundTrip<Record>(Compressed<JsonCodec<Record>>(small), bytes);
      break;
  }
  return 0;
}
