#ifndef KIVI_BENCH_ROUNDS_H_
#define KIVI_BENCH_ROUNDS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "src/runner.h"
#include "src/target.h"
#include "src/workload.h"

namespace kivi_bench {

// What to measure for a group and for how long.
struct Plan {
  std::string section;  // "anchor" or "matrix", copied to the output.
  std::vector<Workload> workloads;
  std::vector<size_t> value_sizes;
  std::vector<int> threads;
  int rounds = 3;
  // Each client's share of a round, cut into interleaved slices of about
  // `slice`.
  absl::Duration duration = absl::Milliseconds(250);
  absl::Duration slice = absl::Milliseconds(10);
  // Cells not started by then are reported as skipped.
  absl::Time deadline = absl::InfiniteFuture();
  // Runs every thread count of a workload and size in the same paired
  // rounds, each (client, thread count) a participant of its own, so that
  // a client's rate at N threads over its rate at threads[0] is a paired
  // ratio too.
  bool pair_threads = false;
};

// Clients measured side by side on one backend: kivi first, then the
// reference (libmemcached, the echo client), then any others.
struct Group {
  std::string backend;  // "memory", "memcached-1", "memcached-3", "grpc".
  std::vector<std::unique_ptr<Target>> targets;
};

// Runs every cell of `plan` for every client of `group` that supports it,
// in paired rounds. A round gives every client `duration`, cut into slices
// of about `slice` that alternate between the clients (the order rotating
// from slice to slice), so that a burst of load from the rest of the
// machine falls on all clients alike; cells moving 8 MiB or more per
// operation run one round of one slice. Emits per client one "result" line
// (medians over rounds) and per pair of clients one "ratio" line: the
// median over rounds of the per-round throughput ratio. With
// `pair_threads`, also per client and thread count N other than threads[0]
// a "ratio" line of the client over itself, with "threads": N and
// "denominator_threads": threads[0].
void RunGroup(Group& group, const Plan& plan, const Dataset& data);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_ROUNDS_H_
