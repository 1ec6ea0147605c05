#ifndef KIVI_INTEGRATION_ASYNC_STRESS_LEDGER_H_
#define KIVI_INTEGRATION_ASYNC_STRESS_LEDGER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace kivi::testing {

// What may legitimately be stored under each of the stress test's keys.
//
// Every key belongs to one actor (a synchronous thread, or one slot of an
// asynchronous caller), which runs one operation on it at a time; so the
// ledger never has to guess the order of two writes to one key. Values are
// "<key>#<sequence>", unique over the run, so a read names the key and the
// write it came from.
//
// A read of a key may return:
//  - the last acknowledged write (or NotFound after an acknowledged delete);
//  - any write or delete whose call failed: the server may have applied it,
//    even after later acknowledged writes (a frozen server works through
//    the backlog of a connection the client gave up on when it resumes), so
//    such a value stays possible for the rest of the run;
//  - NotFound once the server lost its data (killed and restarted) after
//    the last acknowledged write.
// Anything else is a wrong value: another key's value, a value this key's
// acknowledged writes replaced, or a value never written.
//
// Thread-safe (one lock per key).
class StressLedger {
 public:
  // Keys "<prefix><n>" for n in [0, keys).
  StressLedger(std::string prefix, int keys);

  int size() const { return static_cast<int>(keys_.size()); }
  const std::string& key(int i) const { return keys_[i]->name; }

  // A value for key `i` that no other write of the run uses.
  std::string NextValue(int i);

  // Bumped by ServerLost; an operation notes it when it starts.
  uint64_t epoch() const { return epoch_.load(); }

  // The outcome of writing `value` (nullopt: a delete) to key `i` in an
  // operation that started at `started` (epoch()). A write acknowledged
  // across a ServerLost may have been stored by the lost server.
  void Acknowledged(int i, std::optional<std::string> value, uint64_t started);
  void Failed(int i, std::optional<std::string> value);

  // Call once the killed server is gone and before it is restarted (a read
  // may reach the new, empty server as soon as it listens): every key may
  // have lost its value, and so may any write that started before this
  // call and is acknowledged after it (by the old server before it died).
  void ServerLost();

  // Checks a read of key `i` that returned `got` (nullopt: NotFound).
  // Empty when allowed, else why not.
  std::string Check(int i, const std::optional<std::string>& got) const;

 private:
  struct Key {
    std::string name;
    mutable std::mutex mu;
    std::optional<std::string> acknowledged ABSL_GUARDED_BY(mu);
    // Failed writes, any of which may have been applied.
    std::vector<std::string> uncertain ABSL_GUARDED_BY(mu);
    // A delete failed: it may be applied at any time.
    bool failed_delete ABSL_GUARDED_BY(mu) = false;
    // The server lost its data since the last acknowledged write.
    bool lost ABSL_GUARDED_BY(mu) = false;
    uint64_t sequence ABSL_GUARDED_BY(mu) = 0;
  };

  std::vector<std::unique_ptr<Key>> keys_;
  std::atomic<uint64_t> epoch_{0};
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_ASYNC_STRESS_LEDGER_H_
