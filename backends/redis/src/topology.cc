#include "backends/redis/src/topology.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/redis/src/mux_call.h"
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

Topology::~Topology() {
  std::vector<std::unique_ptr<Node>> nodes;
  {
    absl::MutexLock lock(&mu_);
    closing_.store(true);
    nodes.swap(nodes_);
  }
  nodes.clear();
}

Node* Topology::NodeAtLocked(const HostPort& address) {
  for (const std::unique_ptr<Node>& node : nodes_) {
    if (node->address() == address) return node.get();
  }
  nodes_.push_back(std::make_unique<Node>(address, connect_, limits_));
  return nodes_.back().get();
}

absl::StatusOr<Node*> Topology::NodeAt(absl::string_view address) {
  KIVI_ASSIGN_OR_RETURN(
      const HostPort parsed,
      ParseHostPort(address, "cluster node", {.default_port = 6379}));
  absl::MutexLock lock(&mu_);
  if (closing_.load()) {
    return absl::UnavailableError("redis: the client is closing");
  }
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

Node* Topology::KnownNodeFor(absl::string_view key) {
  if (!cluster_) return single_;
  const std::shared_ptr<const Routing> routing = CurrentRouting();
  if (routing == nullptr) return nullptr;
  const int owner = routing->map.OwnerOf(KeySlot(key));
  return owner < 0 ? nullptr : routing->masters[owner];
}

std::vector<Node*> Topology::RefreshCandidates() {
  std::vector<Node*> candidates;
  absl::MutexLock lock(&mu_);
  if (closing_.load()) return candidates;
  if (routing_ != nullptr) candidates = routing_->masters;
  for (const HostPort& seed : seeds_) {
    Node* node = NodeAtLocked(seed);
    bool seen = false;
    for (Node* c : candidates) seen = seen || c == node;
    if (!seen) candidates.push_back(node);
  }
  return candidates;
}

absl::Status Topology::Install(absl::StatusOr<SlotMap> map,
                               const Node& source) {
  KIVI_RETURN_IF_ERROR(map.status());
  if (map->masters().empty()) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", source.name(), ": CLUSTER SLOTS lists no master"));
  }
  auto routing = std::make_shared<Routing>(Routing{*std::move(map), {}});
  absl::MutexLock lock(&mu_);
  if (closing_.load()) {
    return absl::UnavailableError("redis: the client is closing");
  }
  for (const HostPort& master : routing->map.masters()) {
    routing->masters.push_back(NodeAtLocked(master));
  }
  routing_ = std::move(routing);
  return absl::OkStatus();
}

namespace {

absl::StatusOr<SlotMap> ReadClusterSlots(const Reply& reply, const Node& node) {
  if (reply.IsError()) {
    return absl::UnavailableError(
        absl::StrCat("redis ", node.name(), ": CLUSTER SLOTS: ", reply.text));
  }
  return SlotMap::FromClusterSlots(reply, node.address().host);
}

// An asynchronous CLUSTER SLOTS, installed by `install` when it comes.
class SlotsCall : public RespCall {
 public:
  using Install = absl::AnyInvocable<void(absl::StatusOr<SlotMap>) &&>;

  SlotsCall(Node& node, absl::Time deadline, Install install)
      : RespCall(node, deadline, Idempotent::kYes, 1),
        install_(std::move(install)) {}

 protected:
  bool OnReply(const Reply& reply) override {
    map_ = ReadClusterSlots(reply, node());
    return true;
  }
  void OnDone(const absl::Status& status) override {
    std::move(install_)(status.ok() ? std::move(map_) : status);
  }

 private:
  Install install_;
  absl::StatusOr<SlotMap> map_ =
      absl::UnavailableError("no reply to CLUSTER SLOTS");
};

}  // namespace

void Topology::RefreshSoon() {
  if (!cluster_) return;
  {
    std::unique_lock<std::mutex> refresh(refresh_mu_, std::try_to_lock);
    if (!refresh.owns_lock()) return;  // One is running: it will see the move.
    if (absl::Now() - last_refresh_ < kMinRefreshInterval) return;
    if (refreshing_.exchange(true)) return;
    last_refresh_ = absl::Now();
  }
  const std::vector<Node*> candidates = RefreshCandidates();
  Node* const node = candidates.empty() ? nullptr : candidates.front();
  if (node == nullptr || node->mux() == nullptr) {
    refreshing_.store(false);
    return;
  }
  auto call =
      std::make_shared<SlotsCall>(*node, absl::Now() + limits_.refresh_timeout,
                                  [this, node](absl::StatusOr<SlotMap> map) {
                                    // A failed refresh is dropped: the
                                    // redirection itself said where the key is,
                                    // and a later MOVED tries again.
                                    if (map.ok())
                                      (void)Install(std::move(map), *node);
                                    refreshing_.store(false);
                                  });
  AppendCommand(call->bytes(), {"CLUSTER", "SLOTS"});
  RespCall::Start(std::move(call));
}

absl::Status Topology::Refresh(absl::Time deadline) {
  last_refresh_ = absl::Now();
  absl::Status last = absl::UnavailableError("redis cluster: no seed node");
  for (Node* node : RefreshCandidates()) {
    absl::StatusOr<SlotMap> map =
        absl::UnavailableError("no reply to CLUSTER SLOTS");
    const absl::Status run = node->Run(
        deadline, Idempotent::kYes, 1,
        [](std::string* out) {
          AppendCommand(out, {"CLUSTER", "SLOTS"});
        },
        [&](size_t, const Reply& reply) {
          map = ReadClusterSlots(reply, *node);
        });
    if (!run.ok()) {
      last = run;
      continue;
    }
    last = Install(std::move(map), *node);
    if (last.ok()) return last;
  }
  return last;
}

}  // namespace kivi::redis
