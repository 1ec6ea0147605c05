#ifndef KIVI_CODECS_PROTOBUF_H_
#define KIVI_CODECS_PROTOBUF_H_

#include <concepts>
#include <cstddef>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "kivi/codec.h"

namespace kivi {

// True for generated protobuf message classes (full runtime, not lite).
template <typename T>
concept ProtobufMessage = std::derived_from<T, google::protobuf::Message>;

// Stores a protobuf message in the binary wire format. The default codec for
// message types. Fields unknown to the reader are kept, as protobuf does, so
// old and new versions of a message can share a cache.
//
// Encode fails with InvalidArgument when a proto2 required field is unset.
// Decode fails with DataLoss when the bytes do not parse as T.
template <ProtobufMessage T>
class ProtobufCodec {
 public:
  using value_type = T;
  static constexpr absl::string_view kName = "protobuf";

  absl::StatusOr<std::string> Encode(const T& value) const {
    std::string bytes;
    if (!value.SerializeToString(&bytes)) {
      return CodecEncodeError(kName,
                              absl::StrCat(T::descriptor()->full_name(),
                                           " is missing required fields: ",
                                           value.InitializationErrorString()));
    }
    return bytes;
  }

  absl::StatusOr<T> Decode(absl::string_view bytes) const {
    T value;
    if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
        !value.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return CodecDecodeError(
          kName,
          absl::StrCat("bytes do not parse as ", T::descriptor()->full_name()));
    }
    return value;
  }
};

}  // namespace kivi

#endif  // KIVI_CODECS_PROTOBUF_H_
