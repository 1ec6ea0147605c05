#ifndef KIVI_BACKENDS_REDIS_SRC_TOPOLOGY_H_
#define KIVI_BACKENDS_REDIS_SRC_TOPOLOGY_H_

// Which node serves a key. One server: always that server. A cluster: the
// master that owns the key's slot in the slot map, loaded from CLUSTER
// SLOTS on first use and refreshed after a MOVED, one refresh at a time
// and at most one per kMinRefreshInterval, so a resharding never turns
// into a storm of CLUSTER SLOTS. Thread-safe.

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/redis/src/node.h"
#include "backends/redis/src/slots.h"
#include "kivi/host_port.h"
#include "kivi/net/connection.h"

namespace kivi::redis {

inline constexpr absl::Duration kMinRefreshInterval = absl::Milliseconds(100);

class Topology {
 public:
  // `seeds`: the server, or the cluster's seed nodes (at least one).
  Topology(std::vector<HostPort> seeds, bool cluster,
           net::ConnectOptions connect, NodeLimits limits);
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  // Closes the nodes first: their multiplexers finish the asynchronous
  // calls in flight, whose completions may still look nodes up (then
  // refused: Unavailable).
  ~Topology();

  bool cluster() const { return cluster_; }

  // The node that serves `key` now. A cluster loads its slot map first if
  // it has none (within `deadline`); a slot with no owner is Unavailable.
  absl::StatusOr<Node*> NodeFor(absl::string_view key, absl::Time deadline);
  // The node that serves `key` by the slot map at hand, without I/O; null
  // when a cluster has loaded no map yet or the slot has no owner.
  Node* KnownNodeFor(absl::string_view key);
  // The node serving `slot` (cluster only; see NodeFor).
  absl::StatusOr<Node*> NodeForSlot(uint16_t slot, absl::Time deadline);

  // Every node that holds data: the server, or each master of the map.
  absl::StatusOr<std::vector<Node*>> Masters(absl::Time deadline);

  // The node at `address` ("host:port", as a redirection names it),
  // created on first mention. Nodes live as long as the topology.
  absl::StatusOr<Node*> NodeAt(absl::string_view address);

  // After a MOVED: reloads the slot map unless another refresh is running
  // or one finished less than kMinRefreshInterval ago. Errors are dropped:
  // the redirection itself already says where the key is.
  void RefreshAfterMoved(absl::Time deadline);
  // The same without waiting, for callers that must not block (a
  // completion on a connection's reader thread): CLUSTER SLOTS is sent
  // asynchronously and its answer installed when it comes.
  void RefreshSoon();

 private:
  struct Routing {
    SlotMap map;
    std::vector<Node*> masters;  // Parallel to map.masters().
  };

  std::shared_ptr<const Routing> CurrentRouting();
  absl::StatusOr<std::shared_ptr<const Routing>> RoutingFor(
      absl::Time deadline);
  // Loads CLUSTER SLOTS from the current masters, then the seeds; the
  // first complete answer wins. Caller holds refresh_mu_.
  absl::Status Refresh(absl::Time deadline);
  // Makes `map`, read from `source`, the routing. Unavailable when it
  // lists no master.
  absl::Status Install(absl::StatusOr<SlotMap> map, const Node& source);
  // The masters, then the seeds: where CLUSTER SLOTS is asked (none once
  // closing).
  std::vector<Node*> RefreshCandidates();
  Node* NodeAtLocked(const HostPort& address)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::vector<HostPort> seeds_;
  const bool cluster_;
  const net::ConnectOptions connect_;
  const NodeLimits limits_;
  Node* single_ = nullptr;  // The one node when !cluster_.

  // Serializes refreshes; never held while mu_ is wanted by a refresh's
  // own callers for long (mu_ is only held for pointer swaps).
  std::mutex refresh_mu_;
  absl::Time last_refresh_ = absl::InfinitePast();  // Under refresh_mu_.
  // An asynchronous refresh is in flight. Not a lock: its completion must
  // never wait for refresh_mu_, whose holder may wait for that very reply.
  std::atomic<bool> refreshing_{false};
  // Set by the destructor: no node is created, no map installed.
  std::atomic<bool> closing_{false};

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Node>> nodes_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const Routing> routing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_TOPOLOGY_H_
