#ifndef KIVI_INTEGRATION_SOAK_SOAK_STATS_H_
#define KIVI_INTEGRATION_SOAK_SOAK_STATS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "integration/soak/ledger.h"

namespace kivi::testing {

// Resident memory of this process, from /proc/self/status.
struct MemorySample {
  int64_t rss_kib = 0;       // VmRSS: resident now.
  int64_t peak_rss_kib = 0;  // VmHWM: the peak so far.
};
MemorySample SampleMemory();

// What a soak run did and saw; each thread keeps its own and they are
// merged at the end.
struct SoakStats {
  // Calls made, by operation ("get", "batch_set", ...).
  std::map<std::string, int64_t> calls;
  // Keys read (singly or in batches) and checked against the ledger.
  int64_t keys_read = 0;
  // Failed single calls plus failed keys of batches, by status code.
  std::map<absl::StatusCode, int64_t> errors;
  // Read verdicts (see Ledger::Verdict).
  std::map<Ledger::Verdict, int64_t> verdicts;
  // The slowest call and which operation it was.
  absl::Duration slowest = absl::ZeroDuration();
  std::string slowest_call;

  void Merge(const SoakStats& other);
  void Call(const std::string& op, absl::Duration took);
  void Error(const absl::Status& status) { ++errors[status.code()]; }

  int64_t total_calls() const;
  int64_t misses() const;
  int64_t wrong_values() const;
};

// The run's summary as the issue asks for it: ops, errors by code, misses,
// wrong values, slowest call vs the timeout, peak RSS at start and end.
struct SoakReport {
  absl::Duration duration;
  int threads = 0;
  absl::Duration timeout;
  SoakStats stats;
  MemorySample memory_start;
  MemorySample memory_end;
  // The test's own bookkeeping (the ledgers) at the end, part of
  // memory_end; the client's share is the rest.
  int64_t ledger_kib_end = 0;
  int freezes = 0;
  int restarts = 0;

  std::string ToText() const;
  std::string ToJson() const;
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_SOAK_SOAK_STATS_H_
