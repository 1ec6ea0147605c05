#ifndef KIVI_BACKENDS_REDIS_SRC_NODE_H_
#define KIVI_BACKENDS_REDIS_SRC_NODE_H_

// One Redis node (a single server, or a cluster master): its address, its
// kivi::net server (bounded pool, down after consecutive failures), its
// multiplexed connections (net::Multiplexer, for single-key operations),
// and the ways commands are run on it.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "backends/redis/src/replies.h"
#include "kivi/host_port.h"
#include "kivi/net/multiplexer.h"
#include "kivi/net/server.h"

namespace kivi::redis {

// Whether a request leaves the same state when the node executes it twice.
// Only such a request is sent again after a pooled connection proved dead
// before any reply byte arrived (the node restarted or closed it idle).
enum class Idempotent { kNo, kYes };

struct NodeLimits {
  int max_conns = 8;
  int max_idle = 4;
  int failure_limit = 3;
  absl::Duration retry_timeout = absl::Seconds(2);
  // Multiplexed connections (single-key operations); 0: none, they use
  // the pool like the rest.
  int mux_conns = 2;
  // Bound of an asynchronous slot-map refresh (the operation timeout).
  absl::Duration refresh_timeout = absl::Seconds(1);
};

class Node {
 public:
  Node(HostPort address, const net::ConnectOptions& options,
       const NodeLimits& limits);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const HostPort& address() const { return address_; }
  // "host:port".
  const std::string& name() const { return server_.name(); }
  net::Server& server() { return server_; }

  // Runs `count` pipelined commands, which `encode` appends, by `deadline`,
  // and hands each reply in order to `on_reply`. Fails fast (Unavailable)
  // while the node is down; connection failures, timeouts and broken
  // streams are Unavailable/DeadlineExceeded naming the node, count against
  // its health, and close the connection. Error replies are replies: they
  // go to `on_reply`.
  absl::Status Run(absl::Time deadline, Idempotent idempotent, size_t count,
                   absl::FunctionRef<void(std::string*)> encode,
                   RespReader::Handler on_reply);

  // One request of `count` commands whose last reply goes to `handle`
  // (false: the reply cannot answer the request, so the stream may be out
  // of step), by `deadline`, with Run's failure rules. On the multiplexed
  // connections when the node has them, where it shares a write with
  // concurrent callers' requests; else as Run.
  absl::Status Call(absl::Time deadline, Idempotent idempotent, size_t count,
                    absl::FunctionRef<void(std::string*)> encode,
                    absl::FunctionRef<bool(const Reply&)> handle);

  // The multiplexed connections (RespCall); null when mux_conns is 0.
  net::Multiplexer* mux() { return mux_.get(); }

 private:
  const HostPort address_;
  net::Server server_;
  // Declared last: destroyed first, after its asynchronous requests end.
  std::unique_ptr<net::Multiplexer> mux_;
};

// One node's share of a multi-node operation, for RunOnNodes.
struct NodeRequest {
  Node* node = nullptr;
  size_t count = 0;  // Commands `encode` appends.
  std::function<void(std::string*)> encode;
  std::function<void(size_t index, const Reply& reply)> on_reply;
  // Out: OK when every reply was handed to on_reply; else why this node
  // failed (its other requests are unaffected).
  absl::Status status;
};

// Runs every request at once, all nodes driven by one poll loop (so the
// whole costs the slowest node's round trip), each by `deadline`, with
// Node::Run's failure rules per node.
void RunOnNodes(absl::Span<NodeRequest> requests, absl::Time deadline,
                Idempotent idempotent);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_NODE_H_
