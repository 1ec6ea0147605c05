#include "src/redis_mux_section.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/json_lines.h"
#include "src/mux_section.h"
#include "src/rounds.h"
#include "src/runner.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

constexpr size_t kValueBytes = 32;

void Error(absl::string_view what, const absl::Status& status) {
  EmitJson({{"kind", "error"},
            {"what", std::string(what)},
            {"error", status.ToString()}});
}

// Adds `target` to `group`; false (reported) when it could not be made.
bool Add(Group& group, absl::string_view what,
         absl::StatusOr<std::unique_ptr<Target>> target) {
  if (!target.ok()) {
    Error(what, target.status());
    return false;
  }
  group.targets.push_back(*std::move(target));
  return true;
}

std::string Url(const std::string& server, absl::string_view params) {
  return absl::StrCat("redis://", server, "?", params);
}

}  // namespace

void RunRedisMuxSection(const std::string& server, int rounds,
                        absl::Duration duration, absl::Time deadline) {
  const Dataset data({kValueBytes});
  const Plan base{.section = "mux",
                  .value_sizes = {kValueBytes},
                  .rounds = rounds,
                  .duration = duration,
                  .deadline = deadline};
  const std::string mux4 = Url(server, "timeout=10s&mux_conns=4&max_conns=4");
  const std::string nomux =
      Url(server, "timeout=10s&mux_conns=0&max_conns=64&max_idle=64");
  const std::string plain = Url(server, "timeout=10s");

  // (a) Many callers, few connections.
  Group many{.backend = "redis-1"};
  if (!Add(many, mux4, NewKiviTarget(mux4, "kivi-mux4")) ||
      !Add(many, nomux, NewKiviTarget(nomux, "kivi-nomux")) ||
      !Add(many, "hiredis", NewHiredisTarget(server))) {
    return;
  }
  {
    absl::StatusOr<std::unique_ptr<Session>> session =
        many.targets[0]->NewSession();
    const absl::Status status =
        session.ok() ? Preload(**session, data) : session.status();
    if (!status.ok()) {
      Error("preload redis mux", status);
      return;
    }
  }
  Plan plan_many = base;
  plan_many.workloads = {Workload::kMix};
  plan_many.threads = {64};
  Progress("mux: redis 64 threads");
  RunGroup(many, plan_many, data);

  // (b) One thread, many calls in flight (the memcached rows' loop).
  Progress("mux: redis 128 async Gets in flight");
  RunAsyncDepth(plain, "redis-1", data, rounds, duration);

  // (c) One caller: the multiplexer must cost nothing.
  Group one{.backend = "redis-1"};
  if (!Add(one, plain, NewKiviTarget(plain, "kivi")) ||
      !Add(one, "raw redis", NewRawRedisTarget(server))) {
    return;
  }
  Plan plan_one = base;
  plan_one.workloads = {Workload::kGetHit};
  plan_one.threads = {1};
  Progress("mux: redis 1 thread");
  RunGroup(one, plan_one, data);
}

}  // namespace kivi_bench
