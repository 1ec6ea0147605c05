#ifndef KIVI_BENCH_WORKLOAD_H_
#define KIVI_BENCH_WORKLOAD_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi_bench {

// What one benchmark operation does.
enum class Workload {
  kGetHit,     // Get of a stored key.
  kGetMiss,    // Get of a key that was never stored.
  kSet,        // Set of a stored key (overwrite, same size).
  kBatch10,    // BatchGet of 10 stored keys.
  kBatch100,   // BatchGet of 100 stored keys.
  kBatch1000,  // BatchGet of 1000 stored keys.
  kMix,        // 90% Get of a stored key, 10% Set.
};

// Stable names used on the command line and in the JSON output:
// get_hit, get_miss, set, batch10, batch100, batch1000, mix90_10.
absl::string_view WorkloadName(Workload workload);
absl::StatusOr<Workload> ParseWorkload(absl::string_view name);
// A comma-separated list of names, or "all".
absl::StatusOr<std::vector<Workload>> ParseWorkloads(absl::string_view list);

// Keys per operation: the batch size, 1 for single-key workloads.
size_t KeysPerOp(Workload workload);
bool IsBatch(Workload workload);

// One measured configuration.
struct Cell {
  Workload workload = Workload::kGetHit;
  int threads = 1;
  size_t value_bytes = 32;
};

}  // namespace kivi_bench

#endif  // KIVI_BENCH_WORKLOAD_H_
