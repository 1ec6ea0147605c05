// NewRedisBackend: options checked, connections described, nothing
// connected yet.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/redis/src/backend.h"
#include "backends/redis/src/greeting.h"
#include "backends/redis/src/topology.h"
#include "kivi/host_port.h"
#include "kivi/net/tls.h"
#include "kivi/redis/redis_backend.h"
#include "kivi/status_macros.h"

namespace kivi {

absl::StatusOr<std::unique_ptr<Backend>> NewRedisBackend(
    const RedisOptions& options) {
  if (options.nodes.empty()) {
    return absl::InvalidArgumentError("redis: no server given");
  }
  std::vector<HostPort> seeds;
  for (const std::string& node : options.nodes) {
    KIVI_ASSIGN_OR_RETURN(
        HostPort address,
        ParseHostPort(node, "redis server", {.default_port = 6379}));
    for (const HostPort& seen : seeds) {
      if (seen == address) {
        return absl::InvalidArgumentError(absl::StrCat(
            "redis: server ", address.ToString(), " is listed twice"));
      }
    }
    seeds.push_back(std::move(address));
  }
  if (!options.cluster && seeds.size() != 1) {
    return absl::InvalidArgumentError(
        "redis: one server, or cluster mode for several");
  }
  if (options.timeout <= absl::ZeroDuration() ||
      options.connect_timeout <= absl::ZeroDuration() ||
      options.list_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "redis: timeout, list_timeout and connect_timeout must be positive");
  }
  if (options.max_conns < 1 || options.max_idle < 0 ||
      options.failure_limit < 1 || options.mux_conns < 0) {
    return absl::InvalidArgumentError(
        "redis: max_conns and failure_limit must be >= 1, max_idle and "
        "mux_conns >= 0");
  }
  if (options.db < 0 || (options.cluster && options.db != 0)) {
    return absl::InvalidArgumentError(
        "redis: db must be >= 0, and 0 on a cluster");
  }
  net::ConnectOptions connect;
  connect.label = "redis";
  connect.connect_timeout = options.connect_timeout;
  // Half the operation timeout: a reply that has not come by then is
  // waited for with poll, to the deadline exactly.
  connect.blocking_read_timeout = options.timeout / 2;
  if (options.tls.enabled) {
    KIVI_ASSIGN_OR_RETURN(connect.tls, net::TlsContext::Create(options.tls));
  }
  connect.greeting = redis::HelloGreeting(
      redis::GreetingOptions{options.user, options.password, options.db});
  redis::NodeLimits limits;
  limits.max_conns = options.max_conns;
  limits.max_idle = options.max_idle;
  limits.failure_limit = options.failure_limit;
  limits.retry_timeout = options.retry_timeout;
  limits.refresh_timeout = options.timeout;
  limits.mux_conns = options.mux_conns;
  auto topology = std::make_unique<redis::Topology>(
      std::move(seeds), options.cluster, std::move(connect), limits);
  return std::unique_ptr<Backend>(
      new redis::RedisBackend(options, std::move(topology)));
}

}  // namespace kivi
