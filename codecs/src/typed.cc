#include "kivi/typed.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kivi {
namespace codec_internal {
namespace {

// "<codec> codec: <reason>": the kivi codecs already start their messages
// with their name (CodecDecodeError); a custom codec may not, and then the
// name is added so the message always says which codec failed.
std::string NameCodec(absl::string_view codec, const absl::Status& status) {
  const std::string named_prefix = absl::StrCat(codec, " codec: ");
  if (absl::StartsWith(status.message(), named_prefix)) {
    return std::string(status.message());
  }
  return absl::StrCat(named_prefix, status.message());
}

}  // namespace

absl::Status TypedDecodeError(absl::string_view key, absl::string_view codec,
                              const absl::Status& codec_status) {
  return absl::DataLossError(
      absl::StrCat("value under key \"", key,
                   "\" does not decode: ", NameCodec(codec, codec_status)));
}

absl::Status TypedEncodeError(absl::string_view key, absl::string_view codec,
                              const absl::Status& codec_status) {
  return absl::Status(
      codec_status.code(),
      absl::StrCat("value for key \"", key,
                   "\" does not encode: ", NameCodec(codec, codec_status)));
}

}  // namespace codec_internal
}  // namespace kivi
