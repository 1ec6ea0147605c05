// The README's asynchronous example, built against an installed kivi with
// find_package(kivi) and run by the tests on memory:// and grpc://.
#include <atomic>
#include <cstdio>
#include <future>
#include <latch>
#include <string>
#include <vector>

#include "kivi/kivi.h"

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "memory://";
  // What the callbacks touch outlives the client, whose destructor waits
  // for the calls still in flight.
  constexpr int kWrites = 100;
  std::latch written(kWrites);
  std::atomic<int> failed{0};
  std::promise<absl::StatusOr<std::string>> got;
  std::promise<absl::StatusOr<kivi::BatchGetResult>> batch;
  std::promise<absl::StatusOr<uint64_t>> count;

  absl::StatusOr<std::unique_ptr<kivi::Client>> opened = kivi::Open(url);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  kivi::Client& kv = **opened;

  // Many calls in flight from one thread, no thread per call. Each
  // callback runs exactly once, on a thread kivi owns: keep it short.
  for (int i = 0; i < kWrites; ++i) {
    kv.SetAsync("item:" + std::to_string(i), "value " + std::to_string(i), {},
                [&](absl::Status s) {
                  if (!s.ok()) failed.fetch_add(1);
                  written.count_down();
                });
  }
  written.wait();
  if (failed.load() != 0) return 2;

  // A future, for a caller that wants to wait: the callback fulfils it.
  kv.GetAsync("item:7", [&](absl::StatusOr<std::string> v) {
    got.set_value(std::move(v));
  });
  absl::StatusOr<std::string> v = got.get_future().get();
  if (!v.ok() || *v != "value 7") return 3;

  // Batches report hits, misses and per-key failures, as synchronously.
  const std::vector<std::string> keys = {"item:1", "item:2", "nobody"};
  kv.BatchGetAsync(keys, [&](absl::StatusOr<kivi::BatchGetResult> r) {
    batch.set_value(std::move(r));
  });
  absl::StatusOr<kivi::BatchGetResult> b = batch.get_future().get();
  if (!b.ok() || b->found.size() != 2) return 4;

  // Counters, when the backend can.
  kv.IncrementAsync(
      "visits", 1, {.initial = 1},
      [&](absl::StatusOr<uint64_t> n) { count.set_value(std::move(n)); });
  absl::StatusOr<uint64_t> n = count.get_future().get();
  if (!n.ok()) return 5;

  // Bad arguments never reach the store: the callback runs at once, on
  // this thread, before GetAsync returns.
  bool refused = false;
  kv.GetAsync("bad key", [&](absl::StatusOr<std::string> r) {
    refused = absl::IsInvalidArgument(r.status());
  });
  if (!refused) return 6;

  std::printf("ok: %s async writes=%d visits=%llu\n", url, kWrites,
              static_cast<unsigned long long>(*n));
  return 0;
}
