#ifndef KIVI_CODECS_JSON_H_
#define KIVI_CODECS_JSON_H_

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/codec.h"
#include "nlohmann/json.hpp"

namespace kivi {
namespace codec_internal {

// nlohmann's from_json converts a number to the field's type with a plain
// cast: a float out of an integer field's range is undefined behaviour, and
// a number too large, negative for an unsigned field or fractional for an
// integer field silently becomes another number. JsonCodec::Decode guards
// against both with these.

// True if `json` holds a floating-point number anywhere.
bool HasFloat(const nlohmann::json& json);
// Replaces every floating-point number in `json` that some integer type
// could not hold (outside (-1, 128)) by one of the same sign that every
// integer type holds (-0.5 or 127.0), so reading it into any field is
// defined, and a from_json that checks signs or small ranges still passes.
void MakeFloatsFitAnyField(nlohmann::json& json);
// `shape` is what a value decoded from `stored` with MakeFloatsFitAnyField
// applied encodes to, so its numbers tell integer fields from
// floating-point ones.
// Rewrites each float of `stored` that lands in an integer field as that
// integer when it is integral and within 64 bits; DataLoss naming the codec
// and the place otherwise. Places `shape` lacks are left as they are.
absl::Status FitFloatsToFields(absl::string_view codec, nlohmann::json& stored,
                               const nlohmann::json& shape);
// DataLoss naming the codec and the place when a number of `stored` reads
// back as another number in `decoded` (the decoded value encoded again):
// it did not fit its field. A float field may round to float precision.
absl::Status CheckNumbersKept(absl::string_view codec,
                              const nlohmann::json& stored,
                              const nlohmann::json& decoded);

}  // namespace codec_internal

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
// are not JSON, do not have the shape from_json expects, or hold a number
// that does not fit the field it is read into (1e300 or 2.5 into an
// integer, -1 into an unsigned one, 70000 into an int16_t), which nlohmann
// would otherwise convert silently; exceptions thrown by nlohmann or by the
// type's from_json never escape.
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
      if (codec_internal::HasFloat(json)) {
        absl::StatusOr<nlohmann::json> shape = ShapeOf(json);
        if (!shape.ok()) return shape.status();
        absl::Status fitted =
            codec_internal::FitFloatsToFields(kName, json, *shape);
        if (!fitted.ok()) return fitted;
      }
      T value;
      nlohmann::adl_serializer<T>::from_json(json, value);
      if (std::optional<nlohmann::json> decoded = ToJson(value)) {
        absl::Status kept =
            codec_internal::CheckNumbersKept(kName, json, *decoded);
        if (!kept.ok()) return kept;
      }
      return value;
    } catch (const std::exception& e) {
      return CodecDecodeError(kName,
                              absl::StrCat("unexpected shape: ", e.what()));
    }
  }

 private:
  // What a T decoded from `json` with its floats made to fit any field
  // encodes to. When the type refuses that document, it refuses the stored
  // one: DataLoss, without reading the real floats, whose conversion could
  // be undefined before from_json reaches the part it refuses.
  static absl::StatusOr<nlohmann::json> ShapeOf(const nlohmann::json& json) {
    nlohmann::json probe = json;
    codec_internal::MakeFloatsFitAnyField(probe);
    T shape;
    try {
      nlohmann::adl_serializer<T>::from_json(probe, shape);
    } catch (const std::exception& e) {
      return CodecDecodeError(kName,
                              absl::StrCat("unexpected shape: ", e.what()));
    }
    std::optional<nlohmann::json> encoded = ToJson(shape);
    if (!encoded.has_value()) {
      return CodecDecodeError(kName, "the decoded value has no JSON form");
    }
    return *std::move(encoded);
  }

  static std::optional<nlohmann::json> ToJson(const T& value) {
    try {
      return nlohmann::json(value);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
};

}  // namespace kivi

#endif  // KIVI_CODECS_JSON_H_
