#ifndef KIVI_CODECS_RAW_H_
#define KIVI_CODECS_RAW_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi {

// Stores a std::string's bytes exactly as they are. Every byte sequence
// decodes, so Decode never fails. The default codec for std::string.
class RawCodec {
 public:
  using value_type = std::string;
  static constexpr absl::string_view kName = "raw";

  std::string Encode(const std::string& value) const { return value; }
  absl::StatusOr<std::string> Decode(absl::string_view bytes) const {
    return std::string(bytes);
  }
};

}  // namespace kivi

#endif  // KIVI_CODECS_RAW_H_
