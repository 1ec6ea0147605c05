#include "src/mux_section.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kivi/kivi.h"
#include "src/json_lines.h"
#include "src/rounds.h"
#include "src/runner.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

constexpr size_t kValueBytes = 32;

bool PreloadThrough(Target& target, const Dataset& data) {
  absl::StatusOr<std::unique_ptr<Session>> session = target.NewSession();
  const absl::Status status =
      session.ok() ? Preload(**session, data) : session.status();
  if (!status.ok()) {
    EmitJson({{"kind", "error"},
              {"what", absl::StrCat("preload mux via ", target.name())},
              {"error", status.ToString()}});
  }
  return status.ok();
}

// kivi at `params` on `server`, labelled `name`.
bool AddKivi(Group& group, const std::string& server, const std::string& name,
             absl::string_view params) {
  const std::string url = absl::StrCat("memcached://", server, "?", params);
  absl::StatusOr<std::unique_ptr<Target>> kivi = NewKiviTarget(url, name);
  if (!kivi.ok()) {
    EmitJson({{"kind", "error"},
              {"what", absl::StrCat("kivi::Open ", url)},
              {"error", kivi.status().ToString()}});
    return false;
  }
  group.targets.push_back(*std::move(kivi));
  return true;
}

// One thread's Gets of `keys` for `duration`: synchronous when `depth` is
// 0, else `depth` asynchronous Gets kept in flight (each callback starts
// the next, so the calling thread only starts them and waits). Returns
// ops/s; counts errors into `*errors`.
class GetLoop {
 public:
  GetLoop(kivi::Client& kv, const KeySet& keys) : kv_(kv), keys_(keys) {}

  double Run(int depth, absl::Duration duration, uint64_t* errors) {
    done_ = 0;
    errors_ = 0;
    const absl::Time start = absl::Now();
    const absl::Time end = start + duration;
    if (depth == 0) {
      std::string value;
      for (size_t i = 0; absl::Now() < end; ++i) {
        absl::StatusOr<std::string> got = kv_.Get(keys_.key(i % kKeysPerSize));
        if (!got.ok()) ++errors_;
        ++done_;
      }
    } else {
      stop_ = false;
      in_flight_ = depth;
      for (int i = 0; i < depth; ++i) Next(static_cast<size_t>(i) * 7);
      absl::SleepFor(duration);
      stop_ = true;
      std::unique_lock<std::mutex> lock(mu_);
      drained_.wait(lock, [this] { return in_flight_ == 0; });
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    *errors += errors_;
    return seconds > 0 ? static_cast<double>(done_) / seconds : 0;
  }

 private:
  void Next(size_t i) {
    kv_.GetAsync(keys_.key(i % kKeysPerSize),
                 [this, i](absl::StatusOr<std::string> got) {
                   if (!got.ok()) ++errors_;
                   ++done_;
                   if (!stop_.load(std::memory_order_relaxed)) {
                     Next(i + 1);
                     return;
                   }
                   std::lock_guard<std::mutex> lock(mu_);
                   if (--in_flight_ == 0) drained_.notify_one();
                 });
  }

  kivi::Client& kv_;
  const KeySet& keys_;
  std::atomic<uint64_t> done_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable drained_;
  int in_flight_ = 0;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

// (b): alternating rounds of the synchronous and the asynchronous loop on
// one client, so load from the rest of the machine falls on both alike.
void RunAsyncDepth(const std::string& url, const std::string& backend,
                   const Dataset& data, int rounds, absl::Duration duration) {
  constexpr int kDepth = 128;
  absl::StatusOr<std::unique_ptr<kivi::Client>> kv = kivi::Open(url);
  if (!kv.ok()) {
    EmitJson({{"kind", "error"},
              {"what", "kivi::Open for the async rows"},
              {"error", kv.status().ToString()}});
    return;
  }
  GetLoop loop(**kv, data.stored(kValueBytes));
  uint64_t errors = 0;
  loop.Run(0, absl::Milliseconds(50), &errors);  // Warm-up: connects.
  loop.Run(kDepth, absl::Milliseconds(50), &errors);
  errors = 0;
  std::vector<double> sync_rates, async_rates, ratios;
  for (int round = 0; round < rounds; ++round) {
    const double sync_rate = loop.Run(0, duration, &errors);
    const double async_rate = loop.Run(kDepth, duration, &errors);
    sync_rates.push_back(sync_rate);
    async_rates.push_back(async_rate);
    ratios.push_back(sync_rate > 0 ? async_rate / sync_rate : 0);
  }
  for (const auto& [client, rates] :
       {std::pair{"kivi", &sync_rates},
        std::pair{"kivi-async128", &async_rates}}) {
    EmitJson({{"kind", "result"},
              {"section", "mux"},
              {"backend", backend},
              {"client", client},
              {"workload", "get_hit"},
              {"threads", 1},
              {"in_flight", client == std::string("kivi") ? 1 : kDepth},
              {"value_bytes", kValueBytes},
              {"rounds", rounds},
              {"ops_per_sec", Median(*rates)},
              {"errors", errors}});
  }
  EmitJson({{"kind", "ratio"},
            {"section", "mux"},
            {"backend", backend},
            {"numerator", "kivi-async128"},
            {"denominator", "kivi"},
            {"workload", "get_hit"},
            {"threads", 1},
            {"value_bytes", kValueBytes},
            {"ratios", ratios},
            {"ratio_median", Median(ratios)}});
}

void RunMuxSection(const std::string& server, int rounds,
                   absl::Duration duration, absl::Time deadline) {
  const Dataset data({kValueBytes});
  const Plan base{.section = "mux",
                  .value_sizes = {kValueBytes},
                  .rounds = rounds,
                  .duration = duration,
                  .deadline = deadline};

  // (a) Many callers, few connections.
  Group many{.backend = "memcached-1"};
  if (!AddKivi(many, server, "kivi-mux4",
               "timeout=10s&mux_conns=4&max_conns=4") ||
      !AddKivi(many, server, "kivi-nomux",
               "timeout=10s&mux_conns=0&max_conns=64&max_idle=64")) {
    return;
  }
  absl::StatusOr<std::unique_ptr<Target>> libmemcached =
      NewLibmemcachedTarget({server});
  if (!libmemcached.ok()) return;
  many.targets.push_back(*std::move(libmemcached));
  if (!PreloadThrough(*many.targets[0], data)) return;
  Plan plan_many = base;
  plan_many.workloads = {Workload::kMix};
  plan_many.threads = {64};
  Progress("mux: 64 threads");
  RunGroup(many, plan_many, data);

  // (c) One caller: the multiplexer must cost nothing.
  Group one{.backend = "memcached-1"};
  if (!AddKivi(one, server, "kivi", "timeout=10s")) return;
  absl::StatusOr<std::unique_ptr<Target>> raw =
      NewRawTarget(server, RawBatch::kClassic);
  if (!raw.ok()) return;
  one.targets.push_back(*std::move(raw));
  Plan plan_one = base;
  plan_one.workloads = {Workload::kGetHit};
  plan_one.threads = {1};
  Progress("mux: 1 thread");
  RunGroup(one, plan_one, data);

  // (b) One thread, many calls in flight.
  Progress("mux: 1 thread, 128 async Gets in flight");
  RunAsyncDepth(absl::StrCat("memcached://", server, "?timeout=10s"),
                "memcached-1", data, rounds, duration);
}

}  // namespace kivi_bench
