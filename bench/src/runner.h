#ifndef KIVI_BENCH_RUNNER_H_
#define KIVI_BENCH_RUNNER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "src/keys.h"
#include "src/target.h"
#include "src/workload.h"

namespace kivi_bench {

// The keys and values of every value size a run uses.
class Dataset {
 public:
  explicit Dataset(const std::vector<size_t>& value_sizes);

  const KeySet& stored(size_t value_bytes) const;
  const std::string& value(size_t value_bytes) const;
  const KeySet& missing() const { return missing_; }
  const std::vector<size_t>& value_sizes() const { return sizes_; }

 private:
  std::vector<size_t> sizes_;
  std::map<size_t, std::unique_ptr<KeySet>> stored_;
  std::map<size_t, std::string> values_;
  KeySet missing_;
};

// Stores every key of every size through `session`.
absl::Status Preload(Session& session, const Dataset& data);

// What one client did on one cell: the sum of one or more timed slices.
struct Measurement {
  uint64_t ops = 0;
  uint64_t errors = 0;
  std::string first_error;
  double seconds = 0;
  // CPU time the client's threads used while timed. On a shared machine
  // (and with the kernel's autogroup scheduling, where a process gets one
  // share however many threads it runs) wall-clock rates cannot show
  // thread scaling; operations per CPU-second can: perfect scaling keeps
  // them constant as threads are added, contention lowers them.
  double cpu_seconds = 0;
  std::vector<int64_t> latency_ns;  // Sampled per operation.

  // Adds a later slice of the same client and cell.
  void Add(Measurement slice);
  double ops_per_sec() const { return seconds > 0 ? ops / seconds : 0; }
  double ops_per_cpu_sec() const {
    return cpu_seconds > 0 ? ops / cpu_seconds : 0;
  }
  // Latency percentile in microseconds, `fraction` in [0, 1]; reorders
  // the samples.
  double LatencyUs(double fraction);
};

// Runs `cell` on `cell.threads` of `sessions` (which must hold at least that
// many) for `duration`, every thread driving its own session flat out,
// after an untimed warm-up of at least one operation per thread lasting
// `warmup`.
Measurement RunCell(const Target& target,
                    std::vector<std::unique_ptr<Session>>& sessions,
                    const Dataset& data, const Cell& cell,
                    absl::Duration duration, absl::Duration warmup);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_RUNNER_H_
