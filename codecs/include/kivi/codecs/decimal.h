#ifndef KIVI_CODECS_DECIMAL_H_
#define KIVI_CODECS_DECIMAL_H_

#include <charconv>
#include <concepts>
#include <string>
#include <system_error>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/codec.h"

namespace kivi {

// An integer type DecimalCodec stores; bool is excluded (it has no decimal
// meaning a counter could share).
template <typename T>
concept DecimalInteger = std::integral<T> && !std::same_as<T, bool>;

namespace codec_internal {

// Checks `bytes` against the decimal form and returns the digits to parse:
// an optional '-' (only when `is_signed`) and digits, with any trailing
// spaces removed. Anything else is DataLoss naming the decimal codec.
absl::StatusOr<absl::string_view> DecimalDigits(absl::string_view bytes,
                                                bool is_signed);

// DataLoss for a number that does not fit the target type.
absl::Status DecimalOutOfRange(absl::string_view bytes, absl::string_view type);

}  // namespace codec_internal

// Stores integers as decimal ASCII text, the form memcached's incr/decr (and
// Client::Increment on every backend) read and write: "42", "-7", with no
// sign on positive numbers, no padding and no whitespace. So a counter
// maintained with Client::Increment reads back through Typed<uint64_t> or
// Typed<int64_t>, and a value set through them can be incremented.
//
// Decode accepts exactly an optional '-' (signed T only) followed by digits,
// plus trailing spaces: memcached pads a number that shrank on decrement
// with spaces instead of reallocating it ("100" decr 1 is "99 "). Anything
// else is DataLoss: empty input, a '+' sign, leading whitespace, other
// trailing bytes, a '-' for an unsigned T, or a number outside T's range.
template <DecimalInteger T>
class DecimalCodec {
 public:
  using value_type = T;
  static constexpr absl::string_view kName = "decimal";

  std::string Encode(const T& value) const {
    // Enough for any 64-bit value and its sign.
    char buffer[24];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    return std::string(buffer, end);
  }

  absl::StatusOr<T> Decode(absl::string_view bytes) const {
    absl::StatusOr<absl::string_view> digits =
        codec_internal::DecimalDigits(bytes, std::is_signed_v<T>);
    if (!digits.ok()) return digits.status();
    T value{};
    const char* end = digits->data() + digits->size();
    auto [ptr, ec] = std::from_chars(digits->data(), end, value);
    if (ec == std::errc::result_out_of_range) {
      return codec_internal::DecimalOutOfRange(
          bytes,
          absl::StrCat(std::is_signed_v<T> ? "a signed " : "an unsigned ",
                       sizeof(T) * 8, "-bit integer"));
    }
    if (ec != std::errc() || ptr != end) {
      // DecimalDigits admits only what from_chars parses completely.
      return CodecDecodeError(kName, "not a decimal integer");
    }
    return value;
  }
};

}  // namespace kivi

#endif  // KIVI_CODECS_DECIMAL_H_
