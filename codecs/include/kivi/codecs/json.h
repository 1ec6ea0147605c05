#ifndef KIVI_CODECS_JSON_H_
#define KIVI_CODECS_JSON_H_

#include <exception>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/codec.h"
#include "nlohmann/json.hpp"

namespace kivi {

// True when nlohmann::json can convert T both ways: T has to_json/from_json
// found by ADL, an adl_serializer<T> specialisation, or is a type nlohmann
// supports natively.
template <typename T>
concept JsonSerializable = std::default_initializable<T> &&
    requires(nlohmann::json& j, const nlohmann::json& cj, const T& value,
             T& out) {
  nlohmann::adl_serializer<T>::to_json(j, value);
  nlohmann::adl_serializer<T>::from_json(cj, out);
};

// Stores T as compact JSON text (UTF-8) through nlohmann's to_json/from_json.
// The default codec for types that have them (and are neither protobuf
// messages, std::string nor integers).
//
// Encode fails with InvalidArgument when the value has no JSON form (e.g. a
// string that is not valid UTF-8). Decode fails with DataLoss when the bytes
// are not JSON or do not have the shape from_json expects; exceptions thrown
// by nlohmann or by the type's from_json never escape.
template <JsonSerializable T>
class JsonCodec {
 public:
  using value_type = T;
  static constexpr absl::string_view kName = "json";

  absl::StatusOr<std::string> Encode(const T& value) const {
    try {
      return nlohmann::json(value).dump();
    } catch (const std::exception& e) {
      return CodecEncodeError(kName, e.what());
    }
  }

  absl::StatusOr<T> Decode(absl::string_view bytes) const {
    nlohmann::json json;
    try {
      json =
          nlohmann::json::parse(std::string_view(bytes.data(), bytes.size()));
    } catch (const std::exception& e) {
      return CodecDecodeError(kName, e.what());
    }
    try {
      T value;
      nlohmann::adl_serializer<T>::from_json(json, value);
      return value;
    } catch (const std::exception& e) {
      return CodecDecodeError(kName,
                              absl::StrCat("unexpected shape: ", e.what()));
    }
  }
};

}  // namespace kivi

#endif  // KIVI_CODECS_JSON_H_
