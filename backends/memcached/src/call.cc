// MemcachedBackend::Call: one request on the owning server's pooled
// connection, its reply (or replies) checked and handed to the caller.

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kivi/status_macros.h"
#include "src/backend.h"
#include "src/mux_call.h"
#include "src/replies.h"

namespace kivi::memcached {

absl::Status MemcachedBackend::Call(
    absl::string_view key, absl::Time deadline,
    absl::FunctionRef<void(std::string*, absl::string_view opaque)> encode,
    absl::FunctionRef<absl::Status(const MetaReply&)> handle) {
  return Call(key, absl::Now(), deadline, Idempotent::kNo, encode, handle);
}

absl::Status MemcachedBackend::Call(
    absl::string_view key, absl::Time now, absl::Time deadline,
    Idempotent idempotent,
    absl::FunctionRef<void(std::string*, absl::string_view opaque)> encode,
    absl::FunctionRef<absl::Status(const MetaReply&)> handle,
    size_t stored_bytes) {
  return CallReplies(
      key, now, deadline, idempotent, encode, 1,
      [handle](absl::Span<const MetaReply> replies) {
        return handle(replies[0]);
      },
      stored_bytes);
}

absl::Status MemcachedBackend::CallReplies(
    absl::string_view key, absl::Time now, absl::Time deadline,
    Idempotent idempotent,
    absl::FunctionRef<void(std::string*, absl::string_view opaque)> encode,
    size_t replies,
    absl::FunctionRef<absl::Status(absl::Span<const MetaReply>)> handle,
    size_t stored_bytes) {
  KIVI_ASSIGN_OR_RETURN(Server * server, ServerFor(key, now));
  ItemLimit& limit = server->item_limit();
  if (stored_bytes != kNoValue) {
    KIVI_RETURN_IF_ERROR(server->CheckItemFits(key, stored_bytes, deadline));
  }
  if (net::Multiplexer* mux = server->mux(); mux != nullptr) {
    // Every request carries its opaque: replies are matched by it on a
    // connection many requests share.
    // Uncontended: on this thread's stack, nothing allocated.
    MetaCall call(server, key, deadline, idempotent == Idempotent::kYes,
                  replies, stored_bytes, MetaCall::Handle(handle));
    absl::Status status;
    // `now` still holds unless checking the item size took time (it may
    // connect).
    if (mux->CallIfIdle(
            call, stored_bytes != kNoValue ? absl::InfinitePast() : now,
            [&encode, &call](std::string* out) { encode(out, call.opaque()); },
            &status)) {
      if (status.ok()) status = call.result();
      server->Record(status);
      return status;
    }
    // Shared with the multiplexer: a reply may outlive this call.
    auto shared = std::make_shared<MetaCall>(
        server, key, deadline, idempotent == Idempotent::kYes, replies,
        stored_bytes, MetaCall::Handle(handle));
    encode(shared->bytes(), shared->opaque());
    status = mux->Call(shared);
    if (status.ok()) status = shared->result();
    server->Record(status);
    return status;
  }
  ConnectionPool& pool = server->pool();
  // An idempotent request skips the pool's liveness poll (one system call
  // per request) and instead finds out that an idle connection died by
  // sending on it: the server closes (EOF) or resets it before any reply
  // byte. It is then sent once more, on a connection the pool checks. That
  // is correct because the server never answered: either it never read the
  // request (it had closed the connection while idle: restart, idle
  // timeout), or it went away between executing it and replying, and
  // executing an idempotent request a second time leaves the same state.
  // Every other request keeps the poll and is never sent twice.
  //
  // The poll also caught bytes a server sent unasked to an idle connection;
  // without it, the request's opaque token, which the reply must echo,
  // keeps such bytes from passing for the reply.
  const bool tagged = idempotent == Idempotent::kYes;
  bool may_retry = tagged;
  while (true) {
    bool connected = false;
    bool waited = false;
    absl::StatusOr<std::unique_ptr<Connection>> lent =
        pool.Acquire(deadline, &connected,
                     may_retry ? ConnectionPool::Check::kNone
                               : ConnectionPool::Check::kAlive,
                     &waited);
    if (!lent.ok()) {
      if (connected) server->Record(lent.status());
      return lent.status();
    }
    PooledConnection conn(&pool, *std::move(lent));
    if (connected) {
      // A new connection: the server may be new or restarted with another
      // item size. Learnt before the first request goes out on it.
      absl::Status learnt = limit.Learn(*conn, deadline);
      if (!learnt.ok()) {
        server->Record(learnt);
        return learnt;
      }
      if (stored_bytes != kNoValue) {
        KIVI_RETURN_IF_ERROR(limit.Check(server->name(), key, stored_bytes));
      }
    }
    const absl::AlphaNum id(tagged ? conn->NextRequestId() : 0);
    const absl::string_view opaque = tagged ? id.Piece() : absl::string_view();
    encode(conn->request(), opaque);
    MetaReplyReader reader(opaque, replies);
    // `now` still holds unless connecting or waiting for the pool took time.
    if (connected || waited) now = absl::Now();
    absl::Status status = conn->Exchange(reader, deadline, now);
    if (!status.ok() && may_retry && conn->DiedWhileIdle()) {
      may_retry = false;
      now = absl::Now();
      continue;
    }
    if (status.ok()) status = conn->CheckNothingFollows();
    server->Record(status);
    if (!status.ok()) return status;
    for (const MetaReply& reply : reader.replies()) {
      if (IsErrorReply(reply)) {
        // The server stays in sync after an error reply, but the request
        // that caused it is not worth trusting the stream for.
        conn->MarkBroken();
        return ErrorReplyStatus(server->name(), key, reply);
      }
    }
    status = handle(reader.replies());
    if (absl::IsInternal(status)) {
      conn->MarkBroken();
      return absl::InternalError(
          absl::StrCat("memcached ", server->name(), ": ", status.message()));
    }
    return status;
  }
}

}  // namespace kivi::memcached
