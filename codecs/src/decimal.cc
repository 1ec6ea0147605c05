#include "kivi/codecs/decimal.h"

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "kivi/codec.h"

namespace kivi {
namespace codec_internal {
namespace {

constexpr absl::string_view kDecimal = DecimalCodec<int>::kName;

// Quotes at most the first bytes of a bad value, escaped, for a message.
std::string Quote(absl::string_view bytes) {
  constexpr size_t kShown = 32;
  std::string shown = absl::CHexEscape(bytes.substr(0, kShown));
  return absl::StrCat("\"", shown, bytes.size() > kShown ? "\"..." : "\"");
}

}  // namespace

absl::StatusOr<absl::string_view> DecimalDigits(absl::string_view bytes,
                                                bool is_signed) {
  // memcached pads a shrunken counter with spaces; nothing else trails.
  absl::string_view digits = bytes;
  while (!digits.empty() && digits.back() == ' ') digits.remove_suffix(1);

  size_t first_digit = 0;
  if (!digits.empty() && digits.front() == '-') {
    if (!is_signed) {
      return CodecDecodeError(
          kDecimal, absl::StrCat(Quote(bytes),
                                 " has a sign; an unsigned value has none"));
    }
    first_digit = 1;
  }
  if (digits.size() == first_digit) {
    return CodecDecodeError(kDecimal,
                            absl::StrCat(Quote(bytes), " has no digits"));
  }
  for (size_t i = first_digit; i < digits.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(digits[i]))) {
      return CodecDecodeError(
          kDecimal, absl::StrFormat("%s is not a decimal integer (byte %d)",
                                    Quote(bytes), i));
    }
  }
  return digits;
}

absl::Status DecimalOutOfRange(absl::string_view bytes,
                               absl::string_view type) {
  return CodecDecodeError(kDecimal,
                          absl::StrCat(Quote(bytes), " does not fit ", type));
}

}  // namespace codec_internal
}  // namespace kivi
