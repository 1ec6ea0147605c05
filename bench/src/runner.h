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

// The outcome of one timed run of one client on one cell.
struct Measurement {
  uint64_t ops = 0;
  uint64_t errors = 0;
  std::string first_error;
  double seconds = 0;
  double ops_per_sec = 0;
  double keys_per_sec = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// Runs `cell` on `cell.threads` of `sessions` (which must hold at least that
// many) for `duration` after a short untimed warm-up, every thread driving
// its own session flat out.
Measurement RunCell(const Target& target,
                    std::vector<std::unique_ptr<Session>>& sessions,
                    const Dataset& data, const Cell& cell,
                    absl::Duration duration);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_RUNNER_H_
