#include "src/shard.h"

#include <utility>

#include "absl/strings/match.h"

namespace kivi::memory_internal {

ReadResult Shard::Read(absl::string_view key, const Moment& m) {
  const auto it = map_.find(key);
  ReadResult result;
  if (it != map_.end()) {
    if (m.IsLive(it->second)) {
      result.live = &it->second;
      MarkReferenced(it->second);
    } else {
      result.dead = true;
    }
  }
  CountLookup(result.live != nullptr);
  return result;
}

Entry* Shard::FindLive(absl::string_view key, const Moment& m) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  Entry* e = &it->second;
  if (!m.IsLive(*e)) {
    Remove(it);
    return nullptr;
  }
  MarkReferenced(*e);
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
  e->referenced.store(false, std::memory_order_relaxed);
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

void Shard::EraseIfDead(absl::string_view key, const Moment& m) {
  auto it = map_.find(key);
  if (it != map_.end() && !m.IsLive(it->second)) Remove(it);
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
                       .hits = hits_.load(std::memory_order_relaxed),
                       .misses = misses_.load(std::memory_order_relaxed)};
}

void Shard::MarkReferenced(const Entry& e) const {
  // Readers of a hot entry share its cache line; only the first since the
  // bit was cleared writes to it.
  if (budget_bytes_ != 0 && !e.referenced.load(std::memory_order_relaxed)) {
    e.referenced.store(true, std::memory_order_relaxed);
  }
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

void Shard::EvictToBudget(Entry* keep, const Moment& m) {
  if (budget_bytes_ == 0) return;
  // Stops at one entry left, which is `keep`: the options guarantee that it
  // fits the budget alone. Every pass over an entry clears its bit, so a
  // second round reaches entries it can evict: this ends.
  while (bytes_ > budget_bytes_ && oldest_ != newest_) {
    Entry* candidate = oldest_;
    const bool live = m.IsLive(*candidate);
    if (live && (candidate == keep || candidate->referenced.exchange(
                                          false, std::memory_order_relaxed))) {
      Unlink(candidate);
      PushFront(candidate);
      continue;
    }
    if (live) ++evictions_;
    Remove(map_.find(*candidate->key));
  }
}

}  // namespace kivi::memory_internal
