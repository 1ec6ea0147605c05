#ifndef KIVI_CODECS_PROTOBUF_JSON_H_
#define KIVI_CODECS_PROTOBUF_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/json_util.h"
#include "kivi/codec.h"
#include "kivi/codecs/protobuf.h"

namespace kivi {

// Stores a protobuf message as its canonical proto3 JSON mapping, for values
// that people or non-protobuf clients read. Larger and slower than
// ProtobufCodec; name it explicitly: Typed<M, ProtobufJsonCodec<M>>.
//
// By default a reader ignores fields it does not know (a newer writer may
// have added them), matching how the binary format behaves; pass other
// options to change that or the printed form.
//
// Encode fails with InvalidArgument when the message has no JSON form.
// Decode fails with DataLoss when the bytes are not JSON for T.
template <ProtobufMessage T>
class ProtobufJsonCodec {
 public:
  using value_type = T;
  static constexpr absl::string_view kName = "protobuf-json";

  static google::protobuf::util::JsonParseOptions DefaultParseOptions() {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    return options;
  }

  explicit ProtobufJsonCodec(
      google::protobuf::util::JsonPrintOptions print_options = {},
      google::protobuf::util::JsonParseOptions parse_options =
          DefaultParseOptions())
      : print_options_(print_options), parse_options_(parse_options) {}

  absl::StatusOr<std::string> Encode(const T& value) const {
    std::string json;
    auto status = google::protobuf::util::MessageToJsonString(value, &json,
                                                              print_options_);
    if (!status.ok()) {
      return CodecEncodeError(kName, status.ToString());
    }
    return json;
  }

  absl::StatusOr<T> Decode(absl::string_view bytes) const {
    T value;
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(bytes.data(), bytes.size()), &value,
        parse_options_);
    if (!status.ok()) {
      return CodecDecodeError(
          kName, absl::StrCat("not JSON for ", T::descriptor()->full_name(),
                              ": ", status.ToString()));
    }
    return value;
  }

 private:
  google::protobuf::util::JsonPrintOptions print_options_;
  google::protobuf::util::JsonParseOptions parse_options_;
};

}  // namespace kivi

#endif  // KIVI_CODECS_PROTOBUF_JSON_H_
