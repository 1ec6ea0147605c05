#include "src/wire.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kivi::memcached::wire {

ParseResult Malformed(std::string error) {
  return ParseResult{ParseState::kMalformed, 0, std::move(error)};
}

ParseResult Incomplete() { return ParseResult{}; }

ParseResult Complete(size_t consumed) {
  return ParseResult{ParseState::kComplete, consumed, std::string()};
}

ParseResult TakeLine(absl::string_view in, bool bare_newline_ok,
                     absl::string_view* line) {
  // Look no further than the longest acceptable line and its "\r\n".
  const absl::string_view window = in.substr(0, kMaxLineBytes + 2);
  const size_t newline = window.find('\n');
  if (newline == absl::string_view::npos) {
    if (window.size() == kMaxLineBytes + 2) {
      return Malformed(absl::StrCat("reply line longer than ", kMaxLineBytes,
                                    " bytes: ", Quote(window)));
    }
    return Incomplete();
  }
  size_t end = newline;
  if (end > 0 && window[end - 1] == '\r') {
    --end;
  } else if (!bare_newline_ok) {
    return Malformed(absl::StrCat("reply line ends in a bare \\n: ",
                                  Quote(window.substr(0, newline + 1))));
  }
  if (end > kMaxLineBytes) {
    return Malformed(absl::StrCat("reply line longer than ", kMaxLineBytes,
                                  " bytes: ", Quote(window)));
  }
  const absl::string_view text = window.substr(0, end);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return Malformed(absl::StrCat("control byte in reply line ",
                                    Quote(window.substr(0, newline + 1))));
    }
  }
  *line = text;
  return Complete(newline + 1);
}

bool ParseUint(absl::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return false;
    }
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

bool ParseInt(absl::string_view text, int64_t* out) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  uint64_t magnitude;
  if (!ParseUint(text, &magnitude)) return false;
  constexpr uint64_t kMax =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return false;
  *out = negative ? static_cast<int64_t>(0 - magnitude)
                  : static_cast<int64_t>(magnitude);
  return true;
}

std::string Quote(absl::string_view text) {
  constexpr size_t kShown = 80;
  std::string quoted =
      absl::StrCat("\"", absl::CHexEscape(text.substr(0, kShown)), "\"");
  if (text.size() > kShown) quoted.append("...");
  return quoted;
}

}  // namespace kivi::memcached::wire
