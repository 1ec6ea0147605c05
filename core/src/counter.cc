#include "kivi/counter.h"

namespace kivi {

namespace {

// C's isspace in the "C" locale.
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

absl::optional<uint64_t> ParseCounter(absl::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  const size_t digits = i;
  uint64_t value = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) return absl::nullopt;
    value = value * 10 + digit;
  }
  if (i == digits) return absl::nullopt;
  if (i < text.size() && !IsSpace(text[i]) && text[i] != '\0') {
    return absl::nullopt;
  }
  if (negative) {
    value = 0 - value;
    if (value > static_cast<uint64_t>(INT64_MAX)) return absl::nullopt;
  }
  return value;
}

uint64_t ApplyCounterDelta(uint64_t value, int64_t delta) {
  if (delta >= 0) return value + static_cast<uint64_t>(delta);
  // The magnitude of a negative int64, INT64_MIN included, as unsigned.
  const uint64_t down = ~static_cast<uint64_t>(delta) + 1;
  return value > down ? value - down : 0;
}

}  // namespace kivi
