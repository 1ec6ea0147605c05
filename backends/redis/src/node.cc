#include "backends/redis/src/node.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/types/optional.h"
#include "backends/redis/src/mux_call.h"
#include "kivi/net/exchange.h"
#include "kivi/net/pool.h"
#include "kivi/status_macros.h"

namespace kivi::redis {

Node::Node(HostPort address, const net::ConnectOptions& options,
           const NodeLimits& limits)
    : address_(std::move(address)),
      server_(net::Endpoint{address_.host, address_.port}, options,
              limits.max_conns, limits.max_idle, limits.failure_limit,
              limits.retry_timeout) {
  if (limits.mux_conns > 0) {
    // The lanes borrow their connections from the pool, so max_conns
    // bounds every connection to the node; more lanes would only wait.
    net::MultiplexerOptions mux;
    mux.connections = std::min(limits.mux_conns, limits.max_conns);
    mux.pool = &server_.pool();
    mux_ = std::make_unique<net::Multiplexer>(
        net::Endpoint{address_.host, address_.port}, options, std::move(mux));
  }
}

namespace {

// A synchronous request: Finish runs only while Call waits (never after
// it returned), so `handle` may refer to the caller's frame.
class SyncCall : public RespCall {
 public:
  SyncCall(Node& node, absl::Time deadline, Idempotent idempotent, size_t count,
           absl::FunctionRef<bool(const Reply&)> handle)
      : RespCall(node, deadline, idempotent, count), handle_(handle) {}

 protected:
  bool OnReply(const Reply& reply) override { return handle_(reply); }

 private:
  const absl::FunctionRef<bool(const Reply&)> handle_;
};

}  // namespace

absl::Status Node::Call(absl::Time deadline, Idempotent idempotent,
                        size_t count,
                        absl::FunctionRef<void(std::string*)> encode,
                        absl::FunctionRef<bool(const Reply&)> handle) {
  if (mux_ == nullptr) {
    return Run(deadline, idempotent, count, encode,
               [&](size_t index, const Reply& reply) {
                 if (index + 1 == count) handle(reply);
               });
  }
  const absl::Time now = absl::Now();
  KIVI_RETURN_IF_ERROR(server_.Admit(now));
  // Uncontended: on this thread's stack, nothing allocated.
  SyncCall inline_call(*this, deadline, idempotent, count, handle);
  absl::Status status;
  if (!mux_->CallIfIdle(inline_call, now, encode, &status)) {
    // Shared with the multiplexer: a reply may outlive this call.
    auto call =
        std::make_shared<SyncCall>(*this, deadline, idempotent, count, handle);
    encode(call->bytes());
    status = mux_->Call(call);
  }
  server_.Record(status);
  return status;
}

absl::Status Node::Run(absl::Time deadline, Idempotent idempotent, size_t count,
                       absl::FunctionRef<void(std::string*)> encode,
                       RespReader::Handler on_reply) {
  KIVI_RETURN_IF_ERROR(server_.Admit(absl::Now()));
  // A second attempt only after a pooled connection died before replying.
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<net::PooledConnection> conn = server_.Acquire(deadline);
    if (!conn.ok()) return conn.status();
    encode((*conn)->request());
    RespReader reader(count, on_reply);
    absl::Status status = (*conn)->Exchange(reader, deadline);
    if (status.ok()) status = (*conn)->CheckNothingFollows();
    if (!status.ok() && attempt == 0 && idempotent == Idempotent::kYes &&
        (*conn)->DiedWhileIdle()) {
      continue;
    }
    server_.Record(status);
    return status;
  }
}

void RunOnNodes(absl::Span<NodeRequest> requests, absl::Time deadline,
                Idempotent idempotent) {
  if (requests.size() == 1) {
    // One node: its own exchange, which may wait in a blocking read (two
    // system calls per round trip) where the poll loop needs four.
    NodeRequest& r = requests[0];
    r.status = r.node->Run(deadline, idempotent, r.count, r.encode, r.on_reply);
    return;
  }
  const absl::Time now = absl::Now();
  std::vector<absl::optional<net::PooledConnection>> conns(requests.size());
  std::vector<std::unique_ptr<RespReader>> readers(requests.size());
  std::vector<net::ExchangeTask> tasks;
  std::vector<size_t> owners;  // Task index -> request index.
  tasks.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    NodeRequest& r = requests[i];
    net::Server& server = r.node->server();
    r.status = server.Admit(now);
    if (!r.status.ok()) continue;
    // New connections are set up by the poll loop, all nodes at once, so
    // a node that takes no connection costs only its own keys.
    absl::StatusOr<net::PooledConnection> conn =
        server.Acquire(deadline, net::ConnectionPool::Connect::kStart);
    if (!conn.ok()) {
      r.status = conn.status();
      continue;
    }
    conns[i].emplace(*std::move(conn));
    r.encode((*conns[i])->request());
    // The reader refers to r.on_reply, which outlives it.
    readers[i] = std::make_unique<RespReader>(r.count, r.on_reply);
    tasks.push_back(net::ExchangeTask{conns[i]->get(), readers[i].get(), {}});
    owners.push_back(i);
  }
  net::RunExchanges(absl::MakeSpan(tasks), deadline);
  for (size_t t = 0; t < tasks.size(); ++t) {
    NodeRequest& r = requests[owners[t]];
    net::Connection& conn = **conns[owners[t]];
    absl::Status status = tasks[t].status;
    if (status.ok()) status = conn.CheckNothingFollows();
    if (!status.ok() && idempotent == Idempotent::kYes &&
        conn.DiedWhileIdle()) {
      conns[owners[t]].reset();  // Closed: it is broken.
      r.status =
          r.node->Run(deadline, idempotent, r.count, r.encode, r.on_reply);
      continue;
    }
    r.node->server().Record(status);
    r.status = std::move(status);
  }
}

}  // namespace kivi::redis
