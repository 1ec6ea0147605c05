#ifndef KIVI_CODECS_DEFAULT_CODEC_H_
#define KIVI_CODECS_DEFAULT_CODEC_H_

#include <string>
#include <type_traits>

#include "kivi/codecs/decimal.h"
#include "kivi/codecs/json.h"
#include "kivi/codecs/protobuf.h"
#include "kivi/codecs/raw.h"

namespace kivi {
namespace codec_internal {

template <typename T>
inline constexpr bool kNoDefaultCodec = false;

template <typename T>
auto PickDefaultCodec() {
  if constexpr (ProtobufMessage<T>) {
    return std::type_identity<ProtobufCodec<T>>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::type_identity<RawCodec>();
  } else if constexpr (DecimalInteger<T>) {
    return std::type_identity<DecimalCodec<T>>();
  } else if constexpr (JsonSerializable<T>) {
    return std::type_identity<JsonCodec<T>>();
  } else {
    static_assert(kNoDefaultCodec<T>,
                  "kivi::DefaultCodec<T>: T has no default codec. Default "
                  "codecs exist for protobuf messages, std::string, integers "
                  "and default-constructible types with nlohmann "
                  "to_json/from_json. Define to_json/from_json for T, or name "
                  "a codec: kivi::Typed<T, MyCodec>.");
    return std::type_identity<void>();
  }
}

}  // namespace codec_internal

// The codec Typed<T> uses when none is named, in this order of preference:
//   protobuf message (google::protobuf::Message) -> ProtobufCodec<T>
//   std::string                                  -> RawCodec
//   integer other than bool                      -> DecimalCodec<T>
//   nlohmann to_json/from_json (incl. bool, double, containers)
//                                                -> JsonCodec<T>
// Any other T is a compile error explaining how to give it a codec.
template <typename T>
using DefaultCodec =
    typename decltype(codec_internal::PickDefaultCodec<T>())::type;

}  // namespace kivi

#endif  // KIVI_CODECS_DEFAULT_CODEC_H_
