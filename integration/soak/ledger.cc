#include "integration/soak/ledger.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kivi::testing {

std::string Ledger::NextValue(absl::string_view key, size_t padding) {
  return absl::StrCat(key, "#", ++sequence_, "#", std::string(padding, 'p'));
}

void Ledger::Acknowledged(absl::string_view key,
                          std::optional<std::string> value) {
  KeyState& state = keys_[key];
  if (state.acknowledged.has_value()) {
    const std::vector<absl::string_view> parts =
        absl::StrSplit(*state.acknowledged, '#');
    uint64_t sequence;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &sequence)) {
      state.overwritten.push_back(sequence);
    }
  }
  state.acknowledged = std::move(value);
}

void Ledger::Failed(absl::string_view key, std::optional<std::string> value) {
  KeyState& state = keys_[key];
  if (value.has_value()) {
    state.uncertain_values.insert(*std::move(value));
  } else {
    state.uncertain_delete = true;
  }
}

Ledger::Verdict Ledger::Check(absl::string_view key,
                              const std::optional<std::string>& value) const {
  const auto it = keys_.find(key);
  const KeyState empty;
  const KeyState& state = it == keys_.end() ? empty : it->second;
  if (value == state.acknowledged) return Verdict::kAcknowledged;
  if (!value.has_value()) {
    return state.uncertain_delete ? Verdict::kUncertain : Verdict::kMiss;
  }
  if (state.uncertain_values.contains(*value)) return Verdict::kUncertain;
  const std::vector<absl::string_view> parts = absl::StrSplit(*value, '#');
  if (parts.size() != 3 || parts[0] != key) return Verdict::kWrongKey;
  uint64_t sequence;
  if (absl::SimpleAtoi(parts[1], &sequence) &&
      std::find(state.overwritten.begin(), state.overwritten.end(), sequence) !=
          state.overwritten.end()) {
    return Verdict::kOverwritten;
  }
  return Verdict::kUnknown;
}

}  // namespace kivi::testing
