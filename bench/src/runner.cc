#include "src/runner.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include "absl/strings/str_cat.h"

namespace kivi_bench {
namespace {

using Clock = std::chrono::steady_clock;

// Latency samples kept per thread; enough for any run of the default length.
constexpr size_t kMaxSamples = 1 << 19;

// One thread's share of a run.
struct Worker {
  Session* session = nullptr;
  uint64_t ops = 0;
  uint64_t errors = 0;
  std::string first_error;
  std::vector<int64_t> samples;
  Clock::time_point finished;
  double cpu_seconds = 0;
};

// CPU time of the calling thread.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Performs one operation of `cell`; false (and the error recorded) when it
// failed.
bool OneOp(Worker& worker, const Dataset& data, const Cell& cell, Rng& rng,
           std::string& scratch) {
  const KeySet& stored = data.stored(cell.value_bytes);
  absl::Status status;
  Workload op = cell.workload;
  if (op == Workload::kMix) {
    op = rng.Below(10) == 0 ? Workload::kSet : Workload::kGetHit;
  }
  switch (op) {
    case Workload::kGetHit:
      status =
          worker.session->Get(stored.key(rng.Below(kKeysPerSize)), &scratch);
      if (status.ok() && scratch.size() != cell.value_bytes) {
        status = absl::DataLossError(
            absl::StrCat("Get returned ", scratch.size(), " bytes"));
      }
      break;
    case Workload::kGetMiss:
      status = worker.session->Get(data.missing().key(rng.Below(kKeysPerSize)),
                                   &scratch);
      status =
          absl::IsNotFound(status)
              ? absl::OkStatus()
              : (status.ok() ? absl::InternalError("miss was a hit") : status);
      break;
    case Workload::kSet:
      status = worker.session->Set(stored.key(rng.Below(kKeysPerSize)),
                                   data.value(cell.value_bytes));
      break;
    default: {
      const size_t count = KeysPerOp(op);
      absl::StatusOr<size_t> hits = worker.session->BatchGet(
          stored.Run(rng.Below(kKeysPerSize), count), cell.value_bytes);
      if (!hits.ok()) {
        status = hits.status();
      } else if (*hits != count) {
        status = absl::DataLossError(
            absl::StrCat("BatchGet found ", *hits, " of ", count, " keys"));
      }
    }
  }
  if (status.ok()) return true;
  if (worker.errors++ == 0) worker.first_error = status.ToString();
  return false;
}

}  // namespace

Dataset::Dataset(const std::vector<size_t>& value_sizes)
    : sizes_(value_sizes), missing_(kMissKeyPrefix) {
  for (size_t size : sizes_) {
    stored_[size] = std::make_unique<KeySet>(StoredKeyPrefix(size));
    values_[size] = MakeValue(size);
  }
}

const KeySet& Dataset::stored(size_t value_bytes) const {
  return *stored_.at(value_bytes);
}

const std::string& Dataset::value(size_t value_bytes) const {
  return values_.at(value_bytes);
}

absl::Status Preload(Session& session, const Dataset& data) {
  for (size_t size : data.value_sizes()) {
    const KeySet& keys = data.stored(size);
    for (size_t i = 0; i < kKeysPerSize; ++i) {
      absl::Status status = session.Set(keys.key(i), data.value(size));
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

void Measurement::Add(Measurement slice) {
  ops += slice.ops;
  if (errors == 0) first_error = std::move(slice.first_error);
  errors += slice.errors;
  seconds += slice.seconds;
  cpu_seconds += slice.cpu_seconds;
  latency_ns.insert(latency_ns.end(), slice.latency_ns.begin(),
                    slice.latency_ns.end());
}

double Measurement::LatencyUs(double fraction) {
  if (latency_ns.empty()) return 0;
  const size_t index = std::min(
      latency_ns.size() - 1, static_cast<size_t>(fraction * latency_ns.size()));
  std::nth_element(latency_ns.begin(), latency_ns.begin() + index,
                   latency_ns.end());
  return latency_ns[index] / 1000.0;
}

Measurement RunCell(const Target& target,
                    std::vector<std::unique_ptr<Session>>& sessions,
                    const Dataset& data, const Cell& cell,
                    absl::Duration duration, absl::Duration warmup) {
  const int threads = cell.threads;
  const int sample_every = target.latency_sample_every();
  std::vector<Worker> workers(threads);
  std::atomic<bool> stop{false};
  std::latch ready(threads + 1);
  std::latch go(1);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    workers[t].session = sessions[t].get();
    pool.emplace_back([&, t] {
      Worker& worker = workers[t];
      worker.samples.reserve(kMaxSamples);
      Rng rng(static_cast<uint64_t>(t) + 1);
      std::string scratch;
      const Clock::time_point warm_until =
          Clock::now() + absl::ToChronoNanoseconds(warmup);
      do {
        OneOp(worker, data, cell, rng, scratch);
      } while (Clock::now() < warm_until);
      worker.errors = 0;
      worker.first_error.clear();
      ready.count_down();
      go.wait();
      const double cpu_start = ThreadCpuSeconds();
      uint64_t ops = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (ops % sample_every == 0 && worker.samples.size() < kMaxSamples) {
          const Clock::time_point begin = Clock::now();
          OneOp(worker, data, cell, rng, scratch);
          worker.samples.push_back((Clock::now() - begin).count());
        } else {
          OneOp(worker, data, cell, rng, scratch);
        }
        ++ops;
      }
      worker.ops = ops;
      worker.finished = Clock::now();
      worker.cpu_seconds = ThreadCpuSeconds() - cpu_start;
    });
  }
  ready.arrive_and_wait();
  const Clock::time_point start = Clock::now();
  go.count_down();
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(duration));
  stop.store(true, std::memory_order_relaxed);
  for (std::thread& thread : pool) thread.join();

  Measurement m;
  Clock::time_point last = start;
  for (Worker& worker : workers) {
    m.ops += worker.ops;
    m.errors += worker.errors;
    m.cpu_seconds += worker.cpu_seconds;
    if (m.first_error.empty()) m.first_error = worker.first_error;
    last = std::max(last, worker.finished);
    m.latency_ns.insert(m.latency_ns.end(), worker.samples.begin(),
                        worker.samples.end());
  }
  m.seconds = std::chrono::duration<double>(last - start).count();
  return m;
}

}  // namespace kivi_bench
