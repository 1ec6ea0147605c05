// Fleet-wide operations: List (SCAN on every master), Stats (INFO), Flush
// (FLUSHDB) and Health (PING), each node in parallel where the operation
// is one round trip.

#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "backends/redis/src/backend.h"
#include "backends/redis/src/glob.h"
#include "backends/redis/src/replies.h"
#include "kivi/status_macros.h"

namespace kivi::redis {
namespace {

// Keys SCAN is asked to look at per step: large enough that a big keyspace
// takes few round trips, small enough that one step never blocks a server
// for long.
constexpr absl::string_view kScanCount = "1000";

std::string Peer(const Node& node) {
  return absl::StrCat("redis ", node.name());
}

}  // namespace

absl::StatusOr<std::vector<std::string>> RedisBackend::List(
    absl::string_view prefix) {
  const absl::Time deadline = absl::Now() + options_.list_timeout;
  KIVI_ASSIGN_OR_RETURN(std::vector<Node*> masters,
                        topology_->Masters(deadline));
  const std::string pattern = PrefixPattern(prefix);
  // SCAN may return a key more than once; a set removes the repeats.
  absl::btree_set<std::string> keys;
  for (Node* node : masters) {
    std::string cursor = "0";
    do {
      absl::Status step;
      KIVI_RETURN_IF_ERROR(node->Run(
          deadline, Idempotent::kYes, 1,
          [&](std::string* out) {
            AppendCommand(out, {"SCAN", cursor, "MATCH", pattern, "COUNT",
                                kScanCount, "TYPE", "string"});
          },
          [&](size_t, const Reply& reply) {
            if (reply.IsError()) {
              step = ErrorReplyStatus(reply, "", Peer(*node));
              return;
            }
            if (!reply.IsList() || reply.elements.size() != 2 ||
                !reply.elements[0].IsString() || !reply.elements[1].IsList()) {
              step = UnexpectedReply(reply, "SCAN", Peer(*node));
              return;
            }
            cursor = std::string(reply.elements[0].text);
            for (const Reply& key : reply.elements[1].elements) {
              if (key.IsString()) keys.emplace(key.text);
            }
          }));
      KIVI_RETURN_IF_ERROR(step);
    } while (cursor != "0");
  }
  return std::vector<std::string>(keys.begin(), keys.end());
}

absl::StatusOr<std::vector<EndpointStats>> RedisBackend::Stats() {
  const absl::Time deadline = Deadline();
  KIVI_ASSIGN_OR_RETURN(std::vector<Node*> masters,
                        topology_->Masters(deadline));
  std::vector<EndpointStats> stats(masters.size());
  std::vector<absl::Status> errors(masters.size());
  std::vector<NodeRequest> requests(masters.size());
  for (size_t i = 0; i < masters.size(); ++i) {
    stats[i].endpoint = masters[i]->name();
    requests[i].node = masters[i];
    requests[i].count = 1;
    requests[i].encode = [](std::string* out) { AppendCommand(out, {"INFO"}); };
    requests[i].on_reply = [&, i](size_t, const Reply& reply) {
      if (!reply.IsString()) {
        errors[i] = reply.IsError()
                        ? ErrorReplyStatus(reply, "", Peer(*masters[i]))
                        : UnexpectedReply(reply, "INFO", Peer(*masters[i]));
        return;
      }
      for (absl::string_view line : absl::StrSplit(reply.text, '\n')) {
        line = absl::StripTrailingAsciiWhitespace(line);
        if (line.empty() || line.front() == '#') continue;
        const size_t colon = line.find(':');
        if (colon == absl::string_view::npos) continue;
        stats[i].values.emplace_back(std::string(line.substr(0, colon)),
                                     std::string(line.substr(colon + 1)));
      }
    };
  }
  RunOnNodes(absl::MakeSpan(requests), deadline, Idempotent::kYes);
  for (size_t i = 0; i < masters.size(); ++i) {
    KIVI_RETURN_IF_ERROR(requests[i].status);
    KIVI_RETURN_IF_ERROR(errors[i]);
  }
  return stats;
}

absl::Status RedisBackend::Flush(absl::Duration delay) {
  if (delay > absl::ZeroDuration()) {
    // Redis has no delayed flush, and one run from this process (a timer)
    // would be lost with it: refuse rather than pretend.
    return absl::UnimplementedError(
        "redis: Flush with a delay is not supported (FLUSHDB runs now)");
  }
  const absl::Time deadline = Deadline();
  KIVI_ASSIGN_OR_RETURN(std::vector<Node*> masters,
                        topology_->Masters(deadline));
  std::vector<absl::Status> errors(masters.size());
  std::vector<NodeRequest> requests(masters.size());
  for (size_t i = 0; i < masters.size(); ++i) {
    requests[i].node = masters[i];
    requests[i].count = 1;
    requests[i].encode = [](std::string* out) {
      AppendCommand(out, {"FLUSHDB"});
    };
    requests[i].on_reply = [&, i](size_t, const Reply& reply) {
      if (reply.IsError()) {
        errors[i] = ErrorReplyStatus(reply, "", Peer(*masters[i]));
      }
    };
  }
  RunOnNodes(absl::MakeSpan(requests), deadline, Idempotent::kYes);
  for (size_t i = 0; i < masters.size(); ++i) {
    KIVI_RETURN_IF_ERROR(requests[i].status);
    KIVI_RETURN_IF_ERROR(errors[i]);
  }
  return absl::OkStatus();
}

HealthReport RedisBackend::Health(absl::Duration timeout) {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  HealthReport report;
  absl::StatusOr<std::vector<Node*>> masters = topology_->Masters(deadline);
  if (!masters.ok()) {
    EndpointHealth endpoint;
    endpoint.endpoint = "redis cluster";
    endpoint.error = masters.status();
    report.endpoints.push_back(std::move(endpoint));
    return report;
  }
  std::vector<NodeRequest> requests(masters->size());
  std::vector<absl::Status> errors(masters->size());
  std::vector<absl::Time> answered(masters->size(), start);
  for (size_t i = 0; i < masters->size(); ++i) {
    Node* node = (*masters)[i];
    requests[i].node = node;
    requests[i].count = 1;
    requests[i].encode = [](std::string* out) { AppendCommand(out, {"PING"}); };
    requests[i].on_reply = [&, i, node](size_t, const Reply& reply) {
      answered[i] = absl::Now();
      if (reply.IsError()) errors[i] = ErrorReplyStatus(reply, "", Peer(*node));
    };
  }
  RunOnNodes(absl::MakeSpan(requests), deadline, Idempotent::kYes);
  for (size_t i = 0; i < masters->size(); ++i) {
    EndpointHealth endpoint;
    endpoint.endpoint = (*masters)[i]->name();
    endpoint.error = requests[i].status.ok() ? errors[i] : requests[i].status;
    endpoint.ok = endpoint.error.ok();
    endpoint.latency = answered[i] - start;
    report.endpoints.push_back(std::move(endpoint));
  }
  return report;
}

}  // namespace kivi::redis
