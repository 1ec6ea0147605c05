#include "kivi/codec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kivi {

absl::Status CodecDecodeError(absl::string_view codec, absl::string_view why) {
  return absl::DataLossError(absl::StrCat(codec, " codec: ", why));
}

absl::Status CodecEncodeError(absl::string_view codec, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(codec, " codec: ", why));
}

}  // namespace kivi
