#include "src/shard.h"

#include <utility>

#include "absl/strings/match.h"

namespace kivi::memory_internal {

Entry* Shard::FindLive(absl::string_view key, const Moment& m) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  Entry* e = &it->second;
  if (!m.IsLive(*e)) {
    Remove(it);
    return nullptr;
  }
  if (e != newest_) {
    Unlink(e);
    PushFront(e);
  }
  return e;
}

Entry* Shard::Write(absl::string_view key, absl::string_view value,
                    int64_t expires_ns, uint64_t version, const Moment& m) {
  auto [it, inserted] = map_.try_emplace(key);
  Entry* e = &it->second;
  if (inserted) {
    e->key = &it->first;
    bytes_ += it->first.size();
  } else {
    Unlink(e);
    bytes_ -= e->value.size();
  }
  e->value.assign(value.data(), value.size());
  bytes_ += value.size();
  e->expires_ns = expires_ns;
  e->written_ns = m.now_ns;
  e->version = version;
  PushFront(e);
  EvictToBudget(e, m);
  return e;
}

void Shard::Rewrote(Entry* e, size_t old_size, uint64_t version,
                    const Moment& m) {
  bytes_ = bytes_ - old_size + e->value.size();
  e->written_ns = m.now_ns;
  e->version = version;
  EvictToBudget(e, m);
}

void Shard::Erase(absl::string_view key) {
  auto it = map_.find(key);
  if (it != map_.end()) Remove(it);
}

void Shard::Sweep(const Moment& m) {
  for (auto it = map_.begin(); it != map_.end();) {
    if (m.IsLive(it->second)) {
      ++it;
    } else {
      Remove(it++);
    }
  }
}

void Shard::ListLive(absl::string_view prefix, const Moment& m,
                     std::vector<std::string>* out) const {
  for (const auto& [key, entry] : map_) {
    if (m.IsLive(entry) && absl::StartsWith(key, prefix)) out->push_back(key);
  }
}

ShardCounters Shard::counters() const {
  return ShardCounters{.items = map_.size(),
                       .bytes = bytes_,
                       .evictions = evictions_,
                       .hits = hits_,
                       .misses = misses_};
}

void Shard::PushFront(Entry* e) {
  if (budget_bytes_ == 0) return;
  e->older = newest_;
  e->newer = nullptr;
  if (newest_ != nullptr) newest_->newer = e;
  newest_ = e;
  if (oldest_ == nullptr) oldest_ = e;
}

void Shard::Unlink(Entry* e) {
  if (budget_bytes_ == 0) return;
  (e->newer != nullptr ? e->newer->older : newest_) = e->older;
  (e->older != nullptr ? e->older->newer : oldest_) = e->newer;
  e->newer = e->older = nullptr;
}

void Shard::Remove(Map::iterator it) {
  Entry* e = &it->second;
  Unlink(e);
  bytes_ -= it->first.size() + e->value.size();
  map_.erase(it);
}

void Shard::EvictToBudget(const Entry* keep, const Moment& m) {
  if (budget_bytes_ == 0) return;
  // `keep` is the most recent entry, so it is reached only when it is the
  // last one left; the options guarantee it fits the budget alone.
  while (bytes_ > budget_bytes_ && oldest_ != keep) {
    Entry* victim = oldest_;
    if (m.IsLive(*victim)) ++evictions_;
    Remove(map_.find(*victim->key));
  }
}

}  // namespace kivi::memory_internal
