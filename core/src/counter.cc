#include "kivi/counter.h"

namespace kivi {

absl::optional<uint64_t> ParseCounter(absl::string_view text) {
  if (text.empty() || text.size() > 20) return absl::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return absl::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return absl::nullopt;
    value = value * 10 + digit;
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
