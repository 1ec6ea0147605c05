#include "src/profile.h"

#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "src/json_lines.h"
#include "src/runner.h"
#include "src/targets.h"

ABSL_FLAG(std::string, profile_client, "",
          "profile mode: kivi, kivi-memory (memory://), libmemcached, raw, "
          "raw-pipelined, kivi-postgres or libpq; empty: no profile mode");
ABSL_FLAG(std::string, profile_server, "",
          "memcached (or, for kivi-postgres and libpq, PostgreSQL) host:port "
          "to profile on");
ABSL_FLAG(std::string, profile_op, "get_hit",
          "get_hit, get_miss, set, batch10, batch100 or batch1000");
ABSL_FLAG(int, profile_ops, 1000, "operations to run");
ABSL_FLAG(int, profile_value_bytes, 100, "value size");

namespace kivi_bench {
namespace {

absl::StatusOr<std::unique_ptr<Target>> ProfiledTarget() {
  const std::string client = absl::GetFlag(FLAGS_profile_client);
  const std::string server = absl::GetFlag(FLAGS_profile_server);
  if (client == "kivi") {
    return NewKiviTarget(absl::StrCat("memcached://", server, "?timeout=10s"),
                         client);
  }
  if (client == "kivi-memory") return NewKiviTarget("memory://", client);
  if (client == "libmemcached") return NewLibmemcachedTarget({server});
  if (client == "raw") return NewRawTarget(server, RawBatch::kClassic);
  if (client == "raw-pipelined") return NewRawTarget(server, RawBatch::kPipelined);
  if (client == "kivi-postgres") {
    return NewKiviTarget(absl::StrCat("postgres://postgres@", server,
                                      "/postgres?table=bench&timeout=10s"),
                         client);
  }
  if (client == "libpq") {
    const size_t colon = server.rfind(':');
    return NewLibpqTarget(absl::StrCat("host=", server.substr(0, colon),
                                       " port=", server.substr(colon + 1),
                                       " user=postgres dbname=postgres"),
                          "bench");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--profile_client=", client,
                   ": expected kivi, kivi-memory, libmemcached, raw, "
                   "raw-pipelined, kivi-postgres or libpq"));
}

absl::Status Profile() {
  absl::StatusOr<Workload> op = ParseWorkload(absl::GetFlag(FLAGS_profile_op));
  if (!op.ok()) return op.status();
  const size_t value_bytes = absl::GetFlag(FLAGS_profile_value_bytes);
  const int ops = absl::GetFlag(FLAGS_profile_ops);
  absl::StatusOr<std::unique_ptr<Target>> target = ProfiledTarget();
  if (!target.ok()) return target.status();
  absl::StatusOr<std::unique_ptr<Session>> session = (*target)->NewSession();
  if (!session.ok()) return session.status();
  const Dataset data({value_bytes});
  const KeySet& keys = data.stored(value_bytes);
  std::string value;
  // Stores the keys unless an earlier run did (a hit on the first one).
  // Either way every op below sees the same server state.
  if (!(*session)->Get(keys.key(0), &value).ok()) {
    if (absl::Status s = Preload(**session, data); !s.ok()) return s;
  }
  // The operations cycle through the keys in a fixed order, so two runs
  // differ only in how many they perform.
  constexpr size_t kStride = 7919;
  for (int i = 0; i < ops; ++i) {
    const size_t k = (static_cast<size_t>(i) * kStride) % kKeysPerSize;
    absl::Status status;
    switch (*op) {
      case Workload::kGetHit:
        status = (*session)->Get(keys.key(k), &value);
        break;
      case Workload::kGetMiss:
        status = (*session)->Get(data.missing().key(k), &value);
        if (absl::IsNotFound(status)) status = absl::OkStatus();
        break;
      case Workload::kSet:
        status = (*session)->Set(keys.key(k), data.value(value_bytes));
        break;
      case Workload::kMix:
        return absl::InvalidArgumentError("profile a single operation kind");
      default: {
        absl::StatusOr<size_t> hits =
            (*session)->BatchGet(keys.Run(k, KeysPerOp(*op)), value_bytes);
        status = hits.status();
        if (status.ok() && *hits != KeysPerOp(*op)) {
          status = absl::DataLossError(absl::StrCat("batch found ", *hits));
        }
      }
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

bool ProfileRequested() { return !absl::GetFlag(FLAGS_profile_client).empty(); }

int RunProfile() {
  absl::Status status = Profile();
  if (!status.ok()) {
    Progress(absl::StrCat("profile: ", status.ToString()));
    return 1;
  }
  return 0;
}

}  // namespace kivi_bench
