#include "integration/soak/ledger.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kivi::testing {

namespace {

// Splits "<key>#<sequence>#<padding>"; false for any other form. Runs on
// every soak operation, so it finds the separators without allocating.
bool Parse(absl::string_view value, absl::string_view* key, uint64_t* sequence,
           uint32_t* padding) {
  const size_t first = value.find('#');
  if (first == absl::string_view::npos) return false;
  const size_t second = value.find('#', first + 1);
  if (second == absl::string_view::npos) return false;
  const absl::string_view pad = value.substr(second + 1);
  if (!absl::SimpleAtoi(value.substr(first + 1, second - first - 1),
                        sequence) ||
      pad.find_first_not_of('p') != absl::string_view::npos) {
    return false;
  }
  *key = value.substr(0, first);
  *padding = static_cast<uint32_t>(pad.size());
  return true;
}

}  // namespace

std::string Ledger::NextValue(absl::string_view key, size_t padding) {
  return absl::StrCat(key, "#", ++sequence_, "#", std::string(padding, 'p'));
}

void Ledger::Acknowledged(absl::string_view key,
                          const std::optional<std::string>& value) {
  KeyState& state = keys_[key];
  if (state.acknowledged.has_value()) {
    state.replaced[state.next_replaced] = state.acknowledged->sequence;
    state.next_replaced = (state.next_replaced + 1) % kRecentlyReplaced;
  }
  state.acknowledged.reset();
  absl::string_view written_key;
  Written written;
  if (value.has_value() &&
      Parse(*value, &written_key, &written.sequence, &written.padding)) {
    state.acknowledged = written;
  }
}

void Ledger::Failed(absl::string_view key,
                    const std::optional<std::string>& value) {
  absl::string_view written_key;
  Written written;
  if (value.has_value() &&
      Parse(*value, &written_key, &written.sequence, &written.padding)) {
    keys_[key].uncertain[written.sequence] = written.padding;
  }
}

size_t Ledger::ApproximateBytes() const {
  // A flat_hash_map slot holds the pair; each slot has one control byte.
  size_t bytes =
      keys_.capacity() * (sizeof(std::pair<const std::string, KeyState>) + 1);
  for (const auto& [key, state] : keys_) {
    bytes += key.capacity() > 15 ? key.capacity() + 1 : 0;  // SSO otherwise
    bytes += state.uncertain.capacity() *
             (sizeof(std::pair<const uint64_t, uint32_t>) + 1);
  }
  return bytes;
}

Ledger::Verdict Ledger::Check(absl::string_view key,
                              const std::optional<std::string>& value) const {
  const auto it = keys_.find(key);
  const KeyState empty;
  const KeyState& state = it == keys_.end() ? empty : it->second;
  if (!value.has_value()) {
    return state.acknowledged.has_value() ? Verdict::kMiss
                                          : Verdict::kAcknowledged;
  }
  absl::string_view read_key;
  uint64_t sequence;
  uint32_t padding;
  if (!Parse(*value, &read_key, &sequence, &padding)) return Verdict::kUnknown;
  if (read_key != key) return Verdict::kWrongKey;
  if (state.acknowledged.has_value() &&
      state.acknowledged->sequence == sequence &&
      state.acknowledged->padding == padding) {
    return Verdict::kAcknowledged;
  }
  if (const auto u = state.uncertain.find(sequence);
      u != state.uncertain.end() && u->second == padding) {
    return Verdict::kUncertain;
  }
  for (uint64_t replaced : state.replaced) {
    if (replaced != 0 && replaced == sequence) return Verdict::kOverwritten;
  }
  return Verdict::kUnknown;
}

}  // namespace kivi::testing
