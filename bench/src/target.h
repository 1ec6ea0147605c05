#ifndef KIVI_BENCH_TARGET_H_
#define KIVI_BENCH_TARGET_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/keys.h"
#include "src/workload.h"

namespace kivi_bench {

// One thread's handle on a client under test. A Session is used by one
// thread at a time; clients that are thread-safe share their state across
// sessions (kivi::Client, a gRPC channel), the others own a connection each
// (libmemcached's memcached_st, the raw socket), which is how each is meant
// to be used.
class Session {
 public:
  virtual ~Session() = default;

  // The value under `key` in `*value`; NotFound on a miss.
  virtual absl::Status Get(absl::string_view key, std::string* value) = 0;
  virtual absl::Status Set(absl::string_view key, absl::string_view value) = 0;
  // Looks up every key of `run`; returns the number of hits, each checked
  // to hold `value_bytes` bytes (a wrong size is DataLoss).
  virtual absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                          size_t value_bytes) = 0;
};

// A client under test: a name for the output and a source of sessions.
class Target {
 public:
  virtual ~Target() = default;

  // "kivi", "libmemcached", "raw", "raw-pipelined", "echo".
  virtual std::string name() const = 0;
  virtual bool Supports(Workload workload) const { return true; }
  // Time one operation in `n` for latency percentiles. Reading the clock
  // twice costs about as much as an in-process Get, so the in-memory
  // client samples; network clients time every operation.
  virtual int latency_sample_every() const { return 1; }
  virtual absl::StatusOr<std::unique_ptr<Session>> NewSession() = 0;
};

}  // namespace kivi_bench

#endif  // KIVI_BENCH_TARGET_H_
