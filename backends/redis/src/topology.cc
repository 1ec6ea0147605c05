#include "backends/redis/src/topology.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/redis/src/resp.h"
#include "kivi/status_macros.h"

namespace kivi::redis {

Topology::Topology(std::vector<HostPort> seeds, bool cluster,
                   net::ConnectOptions connect, NodeLimits limits)
    : seeds_(std::move(seeds)),
      cluster_(cluster),
      connect_(std::move(connect)),
      limits_(limits) {
  absl::MutexLock lock(&mu_);
  for (const HostPort& seed : seeds_) NodeAtLocked(seed);
  single_ = nodes_.front().get();
}

Node* Topology::NodeAtLocked(const HostPort& address) {
  for (const std::unique_ptr<Node>& node : nodes_) {
    if (node->address() == address) return node.get();
  }
  nodes_.push_back(std::make_unique<Node>(address, connect_, limits_));
  return nodes_.back().get();
}

absl::StatusOr<Node*> Topology::NodeAt(absl::string_view address) {
  KIVI_ASSIGN_OR_RETURN(const HostPort parsed, ParseHostPort(address, 6379));
  absl::MutexLock lock(&mu_);
  return NodeAtLocked(parsed);
}

std::shared_ptr<const Topology::Routing> Topology::CurrentRouting() {
  absl::MutexLock lock(&mu_);
  return routing_;
}

absl::StatusOr<std::shared_ptr<const Topology::Routing>> Topology::RoutingFor(
    absl::Time deadline) {
  std::shared_ptr<const Routing> routing = CurrentRouting();
  if (routing != nullptr) return routing;
  {
    std::lock_guard<std::mutex> refresh(refresh_mu_);
    routing = CurrentRouting();  // Another caller may have loaded it.
    if (routing == nullptr) {
      KIVI_RETURN_IF_ERROR(Refresh(deadline));
      routing = CurrentRouting();
    }
  }
  return routing;
}

absl::StatusOr<Node*> Topology::NodeForSlot(uint16_t slot,
                                            absl::Time deadline) {
  KIVI_ASSIGN_OR_RETURN(std::shared_ptr<const Routing> routing,
                        RoutingFor(deadline));
  const int owner = routing->map.OwnerOf(slot);
  if (owner < 0) {
    return absl::UnavailableError(
        absl::StrCat("redis cluster: no master serves slot ", slot));
  }
  return routing->masters[owner];
}

absl::StatusOr<Node*> Topology::NodeFor(absl::string_view key,
                                        absl::Time deadline) {
  if (!cluster_) return single_;
  return NodeForSlot(KeySlot(key), deadline);
}

absl::StatusOr<std::vector<Node*>> Topology::Masters(absl::Time deadline) {
  if (!cluster_) return std::vector<Node*>{single_};
  KIVI_ASSIGN_OR_RETURN(std::shared_ptr<const Routing> routing,
                        RoutingFor(deadline));
  return routing->masters;
}

void Topology::RefreshAfterMoved(absl::Time deadline) {
  if (!cluster_) return;
  std::unique_lock<std::mutex> refresh(refresh_mu_, std::try_to_lock);
  if (!refresh.owns_lock()) return;  // One is running: it will see the move.
  if (absl::Now() - last_refresh_ < kMinRefreshInterval) return;
  (void)Refresh(deadline);
}

absl::Status Topology::Refresh(absl::Time deadline) {
  last_refresh_ = absl::Now();
  std::vector<Node*> candidates;
  {
    absl::MutexLock lock(&mu_);
    if (routing_ != nullptr) candidates = routing_->masters;
    for (const HostPort& seed : seeds_) {
      Node* node = NodeAtLocked(seed);
      bool seen = false;
      for (Node* c : candidates) seen = seen || c == node;
      if (!seen) candidates.push_back(node);
    }
  }
  absl::Status last = absl::UnavailableError("redis cluster: no seed node");
  for (Node* node : candidates) {
    absl::StatusOr<SlotMap> map =
        absl::UnavailableError("no reply to CLUSTER SLOTS");
    const absl::Status run = node->Run(
        deadline, Idempotent::kYes, 1,
        [](std::string* out) {
          AppendCommand(out, {"CLUSTER", "SLOTS"});
        },
        [&](size_t, const Reply& reply) {
          if (reply.IsError()) {
            map = absl::UnavailableError(absl::StrCat(
                "redis ", node->name(), ": CLUSTER SLOTS: ", reply.text));
            return;
          }
          map = SlotMap::FromClusterSlots(reply, node->address().host);
        });
    if (!run.ok()) {
      last = run;
      continue;
    }
    if (!map.ok()) {
      last = map.status();
      continue;
    }
    if (map->masters().empty()) {
      last = absl::UnavailableError(absl::StrCat(
          "redis ", node->name(), ": CLUSTER SLOTS lists no master"));
      continue;
    }
    auto routing = std::make_shared<Routing>(Routing{*std::move(map), {}});
    absl::MutexLock lock(&mu_);
    for (const HostPort& master : routing->map.masters()) {
      routing->masters.push_back(NodeAtLocked(master));
    }
    routing_ = std::move(routing);
    return absl::OkStatus();
  }
  return last;
}

}  // namespace kivi::redis
