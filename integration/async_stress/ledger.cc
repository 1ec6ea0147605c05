#include "integration/async_stress/ledger.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kivi::testing {

StressLedger::StressLedger(std::string prefix, int keys) {
  keys_.reserve(keys);
  for (int i = 0; i < keys; ++i) {
    keys_.push_back(std::make_unique<Key>());
    keys_.back()->name = absl::StrCat(prefix, i);
  }
}

std::string StressLedger::NextValue(int i) {
  Key& k = *keys_[i];
  std::lock_guard<std::mutex> lock(k.mu);
  return absl::StrCat(k.name, "#", ++k.sequence);
}

void StressLedger::Acknowledged(int i, std::optional<std::string> value,
                                uint64_t started) {
  Key& k = *keys_[i];
  std::lock_guard<std::mutex> lock(k.mu);
  k.acknowledged = std::move(value);
  k.lost = started != epoch_.load();
}

void StressLedger::Failed(int i, std::optional<std::string> value) {
  Key& k = *keys_[i];
  std::lock_guard<std::mutex> lock(k.mu);
  if (value.has_value()) {
    k.uncertain.push_back(*std::move(value));
  } else {
    k.failed_delete = true;
  }
}

void StressLedger::ServerLost() {
  epoch_.fetch_add(1);
  for (const std::unique_ptr<Key>& k : keys_) {
    std::lock_guard<std::mutex> lock(k->mu);
    k->lost = true;
  }
}

std::string StressLedger::Check(int i,
                                const std::optional<std::string>& got) const {
  const Key& k = *keys_[i];
  std::lock_guard<std::mutex> lock(k.mu);
  if (got == k.acknowledged) return "";
  if (!got.has_value()) {
    if (k.lost || k.failed_delete) return "";
  } else if (std::find(k.uncertain.begin(), k.uncertain.end(), *got) !=
             k.uncertain.end()) {
    return "";
  }
  return absl::StrCat(
      "wrong value for ", k.name, ": ",
      got.has_value() ? absl::StrCat("\"", *got, "\"") : "NotFound",
      "; acknowledged ",
      k.acknowledged.has_value() ? absl::StrCat("\"", *k.acknowledged, "\"")
                                 : "absent",
      ", uncertain [", absl::StrJoin(k.uncertain, ", "), "]",
      k.lost || k.failed_delete ? " or absent" : "");
}

}  // namespace kivi::testing
