// MemcachedBackend: construction, routing and the single-key operations
// (Append/Prepend in append.cc).

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"
#include "src/backend.h"
#include "src/greeting.h"
#include "src/key_ops.h"
#include "src/replies.h"

namespace kivi {

absl::StatusOr<std::unique_ptr<Backend>> NewMemcachedBackend(
    const MemcachedOptions& options) {
  absl::StatusOr<std::unique_ptr<memcached::MemcachedBackend>> backend =
      memcached::MemcachedBackend::Create(options);
  if (!backend.ok()) return backend.status();
  return std::unique_ptr<Backend>(*std::move(backend));
}

namespace memcached {

absl::Status KeyNotFound(absl::string_view key) {
  return absl::NotFoundError(absl::StrCat("key ", QuoteKey(key), " not found"));
}

absl::StatusOr<std::unique_ptr<MemcachedBackend>> MemcachedBackend::Create(
    const MemcachedOptions& options) {
  if (options.servers.empty()) {
    return absl::InvalidArgumentError("memcached: no servers given");
  }
  absl::StatusOr<std::vector<ServerAddress>> addresses =
      ParseServerList(absl::StrJoin(options.servers, ","));
  if (!addresses.ok()) return addresses.status();
  if (options.timeout <= absl::ZeroDuration() ||
      options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "memcached: timeout and connect_timeout must be positive");
  }
  if (options.max_conns < 1 || options.max_idle < 0 ||
      options.failure_limit < 1 || options.mux_conns < 0) {
    return absl::InvalidArgumentError(
        "memcached: max_conns and failure_limit must be >= 1, max_idle and "
        "mux_conns >= 0");
  }
  absl::StatusOr<ServerRing> ring = ServerRing::Build(*addresses);
  if (!ring.ok()) return ring.status();
  std::shared_ptr<const net::TlsContext> tls;
  if (options.tls.enabled) {
    absl::StatusOr<std::shared_ptr<const net::TlsContext>> ctx =
        net::TlsContext::Create(options.tls);
    if (!ctx.ok()) return ctx.status();
    tls = *std::move(ctx);
  }
  return std::unique_ptr<MemcachedBackend>(new MemcachedBackend(
      options, *std::move(addresses), *std::move(ring), std::move(tls)));
}

MemcachedBackend::MemcachedBackend(const MemcachedOptions& options,
                                   std::vector<ServerAddress> addresses,
                                   ServerRing ring,
                                   std::shared_ptr<const net::TlsContext> tls)
    : options_(options),
      addresses_(std::move(addresses)),
      ring_(std::move(ring)) {
  net::ConnectOptions connect;
  connect.label = "memcached";
  connect.connect_timeout = options.connect_timeout;
  // Half the operation timeout: a reply that has not come by then is waited
  // for with poll, to the deadline exactly.
  connect.blocking_read_timeout = options.timeout / 2;
  connect.tls = std::move(tls);
  if (!options.auth_user.empty()) {
    connect.greeting = AuthGreeting(options.auth_user, options.auth_password);
  }
  for (const ServerAddress& address : addresses_) {
    servers_.push_back(std::make_unique<Server>(
        net::Endpoint{address.host, address.port}, connect, options.max_conns,
        options.max_idle, options.failure_limit, options.retry_timeout,
        options.mux_conns));
  }
}

Capabilities MemcachedBackend::capabilities() const {
  Capabilities caps = Capabilities::All();
  // A TTL goes out rounded up to whole seconds plus kRelativeTtlTicks (two
  // ticks): gone less than ceil(ttl) + 2 < ttl + 3 seconds after the Set.
  caps.ttl_resolution = absl::Milliseconds(1500);
  return caps;
}

std::vector<EndpointState> MemcachedBackend::EndpointStates() const {
  const absl::Time now = absl::Now();
  std::vector<EndpointState> out;
  out.reserve(servers_.size());
  for (const std::unique_ptr<Server>& server : servers_) {
    const ConnectionPool::Counts pool = server->pool().counts();
    out.push_back(
        EndpointState{.endpoint = server->name(),
                      .up = !server->IsDown(now),
                      .pool = EndpointState::Pool{.open = pool.open,
                                                  .idle = pool.idle,
                                                  .max = pool.max,
                                                  .waiters = pool.waiters}});
  }
  return out;
}

absl::StatusOr<Server*> MemcachedBackend::ServerFor(absl::string_view key,
                                                    absl::Time now) {
  Server* owner = servers_[ring_.Pick(key)].get();
  absl::Status admitted = owner->Admit(now);
  if (admitted.ok() || options_.failover == MemcachedFailover::kNone) {
    if (!admitted.ok()) return admitted;
    return owner;
  }
  std::shared_ptr<const LiveRing> live = CurrentLiveRing(now);
  if (!live->ring.has_value()) {
    return absl::UnavailableError(absl::StrCat(
        "every memcached server is marked down; ", admitted.message()));
  }
  return servers_[live->servers[live->ring->Pick(key)]].get();
}

std::shared_ptr<const MemcachedBackend::LiveRing>
MemcachedBackend::CurrentLiveRing(absl::Time now) {
  std::vector<bool> down(servers_.size());
  for (size_t i = 0; i < servers_.size(); ++i) {
    down[i] = servers_[i]->IsDown(now);
  }
  absl::MutexLock lock(&live_mu_);
  if (live_ != nullptr && live_->down == down) return live_;
  auto live = std::make_shared<LiveRing>();
  live->down = down;
  std::vector<ServerAddress> up;
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (down[i]) continue;
    live->servers.push_back(i);
    up.push_back(addresses_[i]);
  }
  if (!up.empty()) {
    // Cannot fail: a subset of servers that already formed a ring.
    absl::StatusOr<ServerRing> ring = ServerRing::Build(up);
    if (ring.ok()) live->ring = *std::move(ring);
  }
  live_ = std::move(live);
  return live_;
}

absl::Status MemcachedBackend::RunKeyOp(const KeyOpArgs& args,
                                        KeyOpResult* result) {
  const absl::Time now = absl::Now();
  return Call(
      args.key, now, now + options_.timeout,
      KeyOpIdempotent(args) ? Idempotent::kYes : Idempotent::kNo,
      [&](std::string* out, absl::string_view opaque) {
        EncodeKeyOp(args, now, opaque, out);
      },
      [&](const MetaReply& reply) { return ReadKeyOp(args, reply, result); },
      KeyOpStoredBytes(args));
}

absl::StatusOr<std::string> MemcachedBackend::Get(absl::string_view key) {
  KeyOpResult result;
  KIVI_RETURN_IF_ERROR(RunKeyOp({.op = KeyOp::kGet, .key = key}, &result));
  return std::move(result.value);
}

absl::StatusOr<ReplyCode> MemcachedBackend::Store(absl::string_view key,
                                                  absl::string_view value,
                                                  absl::Duration ttl, char mode,
                                                  uint64_t cas, absl::Time now,
                                                  absl::Time deadline) {
  ReplyCode code = ReplyCode::kHD;
  // A plain set stores the same value twice; add, replace, append, prepend
  // and compare-and-set could answer or store differently the second time.
  const Idempotent idempotent =
      mode == 'S' && cas == 0 ? Idempotent::kYes : Idempotent::kNo;
  KIVI_RETURN_IF_ERROR(Call(
      key, now, deadline, idempotent,
      [&](std::string* out, absl::string_view opaque) {
        EncodeStore(key, value, ttl, mode, cas, now, opaque, out);
      },
      [&](const MetaReply& reply) {
        switch (reply.code) {
          case ReplyCode::kHD:
          case ReplyCode::kNS:
          case ReplyCode::kEX:
          case ReplyCode::kNF:
            code = reply.code;
            return absl::OkStatus();
          default:
            return UnexpectedReply(key, reply);
        }
      },
      value.size()));
  return code;
}

absl::Status MemcachedBackend::Set(absl::string_view key,
                                   absl::string_view value,
                                   absl::Duration ttl) {
  return RunKeyOp({.op = KeyOp::kSet, .key = key, .value = value, .ttl = ttl},
                  nullptr);
}

absl::Status MemcachedBackend::Add(absl::string_view key,
                                   absl::string_view value,
                                   absl::Duration ttl) {
  return RunKeyOp({.op = KeyOp::kAdd, .key = key, .value = value, .ttl = ttl},
                  nullptr);
}

absl::Status MemcachedBackend::Replace(absl::string_view key,
                                       absl::string_view value,
                                       absl::Duration ttl) {
  return RunKeyOp(
      {.op = KeyOp::kReplace, .key = key, .value = value, .ttl = ttl}, nullptr);
}

absl::Status MemcachedBackend::CompareAndSet(absl::string_view key,
                                             absl::string_view value,
                                             uint64_t version,
                                             absl::Duration ttl) {
  return RunKeyOp({.op = KeyOp::kCompareAndSet,
                   .key = key,
                   .value = value,
                   .ttl = ttl,
                   .version = version},
                  nullptr);
}

absl::Status MemcachedBackend::Delete(absl::string_view key) {
  return RunKeyOp({.op = KeyOp::kDelete, .key = key}, nullptr);
}

absl::StatusOr<VersionedValue> MemcachedBackend::GetVersioned(
    absl::string_view key) {
  KeyOpResult result;
  KIVI_RETURN_IF_ERROR(
      RunKeyOp({.op = KeyOp::kGetVersioned, .key = key}, &result));
  return VersionedValue{.value = std::move(result.value),
                        .version = result.version};
}

absl::Status MemcachedBackend::Touch(absl::string_view key,
                                     absl::Duration ttl) {
  return RunKeyOp({.op = KeyOp::kTouch, .key = key, .ttl = ttl}, nullptr);
}

absl::StatusOr<std::string> MemcachedBackend::GetAndTouch(absl::string_view key,
                                                          absl::Duration ttl) {
  KeyOpResult result;
  KIVI_RETURN_IF_ERROR(
      RunKeyOp({.op = KeyOp::kGetAndTouch, .key = key, .ttl = ttl}, &result));
  return std::move(result.value);
}

}  // namespace memcached
}  // namespace kivi
