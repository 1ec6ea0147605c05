// Batches: keys grouped per server, one pipelined write per group, every
// group driven in one poll loop. A failed server fails only its own keys.
//
// BatchGet uses the classic multi-key "get k1 k2 ...": one request line, the
// hits come back by key, "END" fences it, and it measured ~1.4x faster than
// a pipeline of quiet mg. BatchSet/BatchDelete pipeline ms/md without the
// quiet flag: every command then gets exactly one reply in order, so replies
// are matched by position (opaque "O" cross-checks it), error lines included
// (those carry no opaque, so quiet mode could not attribute them).

#include <functional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kivi/key_rules.h"
#include "src/backend.h"
#include "src/exchange.h"
#include "src/replies.h"

namespace kivi::memcached {
namespace {

absl::string_view TextErrorCode(TextReplyKind kind) {
  switch (kind) {
    case TextReplyKind::kClientError:
      return "CLIENT_ERROR";
    case TextReplyKind::kServerError:
      return "SERVER_ERROR";
    default:
      return "ERROR";
  }
}

// Reads a classic get's VALUE items into `found` until END.
class MultiGetReader : public ReplyReader {
 public:
  MultiGetReader(absl::string_view server,
                 absl::flat_hash_set<absl::string_view> keys,
                 absl::flat_hash_map<std::string, std::string>* found)
      : server_(server), keys_(std::move(keys)), found_(found) {}

  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    *consumed = 0;
    while (true) {
      TextReply reply;
      ParseResult r =
          ParseTextReply(in.substr(*consumed), kMaxReplyValueBytes, &reply);
      if (r.state == ParseState::kMalformed) return absl::InternalError(r.error);
      if (r.state == ParseState::kIncomplete) return false;
      *consumed += r.consumed;
      switch (reply.kind) {
        case TextReplyKind::kValue:
          if (!keys_.contains(reply.key)) {
            return absl::InternalError(absl::StrCat(
                "VALUE for key ", QuoteKey(reply.key), " that was not asked"));
          }
          (*found_)[reply.key] = std::string(reply.data);
          break;
        case TextReplyKind::kEnd:
          return true;
        case TextReplyKind::kError:
        case TextReplyKind::kClientError:
        case TextReplyKind::kServerError:
          error_ = ErrorReplyStatus(server_, "", TextErrorCode(reply.kind),
                                    reply.text);
          return true;
        default:
          return absl::InternalError("unexpected reply line to get");
      }
    }
  }

  const absl::Status& error() const { return error_; }

 private:
  absl::string_view server_;
  absl::flat_hash_set<absl::string_view> keys_;
  absl::flat_hash_map<std::string, std::string>* found_;
  absl::Status error_;
};

// Reads one meta reply per pipelined command, in order.
class PipelineReader : public ReplyReader {
 public:
  using OnReply = std::function<void(size_t position, const MetaReply&)>;

  PipelineReader(size_t expected, OnReply on_reply)
      : expected_(expected), on_reply_(std::move(on_reply)) {}

  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    *consumed = 0;
    while (next_ < expected_) {
      MetaReply reply;
      ParseResult r =
          ParseMetaReply(in.substr(*consumed), kMaxReplyValueBytes, &reply);
      if (r.state == ParseState::kMalformed) return absl::InternalError(r.error);
      if (r.state == ParseState::kIncomplete) return false;
      *consumed += r.consumed;
      if (!IsErrorReply(reply)) {
        size_t opaque = 0;
        if (!absl::SimpleAtoi(reply.opaque, &opaque) || opaque != next_) {
          return absl::InternalError(absl::StrCat(
              "reply ", next_, " carries opaque \"", reply.opaque, "\""));
        }
      } else {
        saw_error_ = true;
      }
      on_reply_(next_++, reply);
    }
    return true;
  }

  size_t answered() const { return next_; }
  bool saw_error() const { return saw_error_; }

 private:
  const size_t expected_;
  OnReply on_reply_;
  size_t next_ = 0;
  bool saw_error_ = false;
};

}  // namespace

std::vector<MemcachedBackend::BatchGroup> MemcachedBackend::GroupByServer(
    size_t n, absl::FunctionRef<absl::string_view(size_t)> key_of,
    absl::FunctionRef<void(size_t, const absl::Status&)> fail) {
  std::vector<BatchGroup> groups;
  absl::flat_hash_map<Server*, size_t> group_of;
  absl::Time now = absl::Now();
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<Server*> server = ServerFor(key_of(i), now);
    if (!server.ok()) {
      fail(i, server.status());
      continue;
    }
    auto [it, added] = group_of.try_emplace(*server, groups.size());
    if (added) {
      groups.emplace_back();
      groups.back().server = *server;
    }
    groups[it->second].items.push_back(i);
  }
  return groups;
}

void MemcachedBackend::RunGroups(
    std::vector<BatchGroup>& groups, absl::Time deadline,
    absl::FunctionRef<void(BatchGroup&, std::string*)> encode) {
  std::vector<ExchangeTask> tasks;
  std::vector<BatchGroup*> running;
  for (BatchGroup& g : groups) {
    absl::StatusOr<PooledConnection> conn = g.server->Acquire(deadline);
    if (!conn.ok()) {
      g.status = conn.status();
      continue;
    }
    g.conn.emplace(*std::move(conn));
    encode(g, (*g.conn)->request());
    tasks.push_back(ExchangeTask{g.conn->get(), g.reader.get(), {}});
    running.push_back(&g);
  }
  RunExchanges(absl::MakeSpan(tasks), deadline);
  for (size_t i = 0; i < tasks.size(); ++i) {
    absl::Status status = tasks[i].status;
    if (status.ok() && !tasks[i].conn->Idle()) {
      // Bytes after the last expected reply were never asked for: the
      // stream is corrupt, and so may be the replies.
      tasks[i].conn->MarkBroken();
      status = absl::UnavailableError(
          absl::StrCat("memcached ", running[i]->server->name(),
                       ": unexpected bytes after the replies"));
    }
    running[i]->status = status;
    running[i]->server->Record(status);
  }
}

absl::StatusOr<BatchGetResult> MemcachedBackend::BatchGet(
    absl::Span<const std::string> keys) {
  BatchGetResult result;
  absl::Time deadline = absl::Now() + options_.timeout;
  std::vector<BatchGroup> groups = GroupByServer(
      keys.size(), [&](size_t i) { return absl::string_view(keys[i]); },
      [&](size_t i, const absl::Status& s) { result.failed[keys[i]] = s; });
  RunGroups(groups, deadline, [&](BatchGroup& g, std::string* out) {
    std::vector<absl::string_view> group_keys;
    group_keys.reserve(g.items.size());
    for (size_t i : g.items) group_keys.push_back(keys[i]);
    g.reader = std::make_unique<MultiGetReader>(
        g.server->name(),
        absl::flat_hash_set<absl::string_view>(group_keys.begin(),
                                               group_keys.end()),
        &result.found);
    AppendClassicGet(out, absl::MakeConstSpan(group_keys), /*with_cas=*/false);
  });
  for (BatchGroup& g : groups) {
    absl::Status status = g.status;
    if (status.ok()) {
      const absl::Status& error =
          static_cast<MultiGetReader*>(g.reader.get())->error();
      if (!error.ok()) {
        (*g.conn)->MarkBroken();
        status = error;
      }
    }
    if (status.ok()) continue;
    // Values that arrived before the stream broke are not trusted either:
    // corruption can pass for a well-formed value until a later check.
    for (size_t i : g.items) {
      result.found.erase(keys[i]);
      result.failed[keys[i]] = status;
    }
  }
  return result;
}

absl::StatusOr<BatchWriteResult> MemcachedBackend::BatchSet(
    absl::Span<const KeyValue> entries, absl::Duration ttl) {
  BatchWriteResult result;
  absl::Time now = absl::Now();
  absl::Time deadline = now + options_.timeout;
  int64_t wire_ttl = WireTtl(ttl, now);
  std::vector<BatchGroup> groups = GroupByServer(
      entries.size(),
      [&](size_t i) { return absl::string_view(entries[i].key); },
      [&](size_t i, const absl::Status& s) {
        result.failed[entries[i].key] = s;
      });
  RunGroups(groups, deadline, [&](BatchGroup& g, std::string* out) {
    for (size_t pos = 0; pos < g.items.size(); ++pos) {
      const KeyValue& kv = entries[g.items[pos]];
      MetaCommand(out, "ms", kv.key, kv.value.size())
          .Int('T', wire_ttl)
          .Uint('O', pos)
          .EndWithData(kv.value);
    }
    const std::string& server = g.server->name();
    const std::vector<size_t>& items = g.items;
    g.reader = std::make_unique<PipelineReader>(
        items.size(), [&result, &entries, &items, &server](
                          size_t pos, const MetaReply& reply) {
          const std::string& key = entries[items[pos]].key;
          if (reply.code == ReplyCode::kHD) return;
          if (IsErrorReply(reply)) {
            result.failed[key] = ErrorReplyStatus(server, key, reply);
          } else {
            result.failed[key] = absl::ResourceExhaustedError(absl::StrCat(
                "memcached ", server, " did not store key ", QuoteKey(key),
                " (", ReplyCodeName(reply.code), ")"));
          }
        });
  });
  for (BatchGroup& g : groups) {
    auto* reader = static_cast<PipelineReader*>(g.reader.get());
    if (reader != nullptr && reader->saw_error()) (*g.conn)->MarkBroken();
    if (g.status.ok()) continue;
    size_t answered = reader == nullptr ? 0 : reader->answered();
    for (size_t pos = answered; pos < g.items.size(); ++pos) {
      result.failed[entries[g.items[pos]].key] = g.status;
    }
  }
  return result;
}

absl::StatusOr<BatchWriteResult> MemcachedBackend::BatchDelete(
    absl::Span<const std::string> keys) {
  BatchWriteResult result;
  absl::Time deadline = absl::Now() + options_.timeout;
  std::vector<BatchGroup> groups = GroupByServer(
      keys.size(), [&](size_t i) { return absl::string_view(keys[i]); },
      [&](size_t i, const absl::Status& s) { result.failed[keys[i]] = s; });
  RunGroups(groups, deadline, [&](BatchGroup& g, std::string* out) {
    for (size_t pos = 0; pos < g.items.size(); ++pos) {
      MetaCommand(out, "md", keys[g.items[pos]]).Uint('O', pos).End();
    }
    const std::string& server = g.server->name();
    const std::vector<size_t>& items = g.items;
    g.reader = std::make_unique<PipelineReader>(
        items.size(),
        [&result, &keys, &items, &server](size_t pos, const MetaReply& reply) {
          const std::string& key = keys[items[pos]];
          if (reply.code == ReplyCode::kHD || reply.code == ReplyCode::kNF) {
            return;
          }
          result.failed[key] =
              IsErrorReply(reply)
                  ? ErrorReplyStatus(server, key, reply)
                  : absl::InternalError(absl::StrCat(
                        "memcached ", server, ": ", UnexpectedReply(key, reply).message()));
        });
  });
  for (BatchGroup& g : groups) {
    auto* reader = static_cast<PipelineReader*>(g.reader.get());
    if (reader != nullptr && reader->saw_error()) (*g.conn)->MarkBroken();
    if (g.status.ok()) continue;
    size_t answered = reader == nullptr ? 0 : reader->answered();
    for (size_t pos = answered; pos < g.items.size(); ++pos) {
      result.failed[keys[g.items[pos]]] = g.status;
    }
  }
  return result;
}

}  // namespace kivi::memcached
