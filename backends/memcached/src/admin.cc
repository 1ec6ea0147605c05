// Fleet-wide operations: List (LRU crawler metadump), Stats, Flush, Health.
// Each sends one command to every server and drives them in parallel,
// connecting included.

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kivi/net/exchange.h"
#include "src/backend.h"
#include "src/metadump.h"
#include "src/replies.h"

namespace kivi::memcached {
namespace {

// List walks the hash table ("metadump hash") rather than the LRUs
// (AppendMetadumpAll's "metadump all"): items move between the segmented
// LRUs while the crawler walks them, so "all" can miss live keys under
// load, which the conformance suite caught. Same output format and the
// same "ERROR metadump not allowed" under -X; baseline server 1.6.18 has it.
constexpr absl::string_view kMetadumpRequest = "lru_crawler metadump hash\r\n";

// Collects the live keys with a prefix from metadump output, until END.
class MetadumpReader : public ReplyReader {
 public:
  MetadumpReader(absl::string_view server, absl::string_view prefix,
                 absl::Time now, std::vector<std::string>* keys)
      : server_(server), prefix_(prefix), now_(now), keys_(keys) {}

  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    *consumed = 0;
    while (true) {
      MetadumpLine line;
      ParseResult r = ParseMetadumpLine(in.substr(*consumed), &line);
      if (r.state == ParseState::kMalformed)
        return absl::InternalError(r.error);
      if (r.state == ParseState::kIncomplete) return false;
      *consumed += r.consumed;
      switch (line.kind) {
        case MetadumpLineKind::kItem:
          if (absl::StartsWith(line.item.key, prefix_) &&
              (!line.item.expires.has_value() || *line.item.expires > now_)) {
            keys_->push_back(std::move(line.item.key));
          }
          continue;
        case MetadumpLineKind::kEnd:
          return true;
        case MetadumpLineKind::kBusy:
          busy_ = true;
          return true;
        case MetadumpLineKind::kDisabled:
          error_ = absl::FailedPreconditionError(absl::StrCat(
              "memcached ", server_,
              " cannot list keys: its LRU crawler metadump is disabled "
              "(server started with -X or without the LRU crawler): ",
              line.message));
          return true;
        case MetadumpLineKind::kError:
          error_ = absl::InternalError(absl::StrCat(
              "memcached ", server_, " refused to list keys: ", line.message));
          return true;
      }
    }
  }

  bool busy() const { return busy_; }
  const absl::Status& error() const { return error_; }

 private:
  absl::string_view server_;
  absl::string_view prefix_;
  absl::Time now_;
  std::vector<std::string>* keys_;
  bool busy_ = false;
  absl::Status error_;
};

// Collects STAT lines until END.
class StatsReader : public ReplyReader {
 public:
  explicit StatsReader(EndpointStats* stats) : stats_(stats) {}

  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    *consumed = 0;
    while (true) {
      TextReply reply;
      ParseResult r = ParseTextReply(in.substr(*consumed), 0, &reply);
      if (r.state == ParseState::kMalformed)
        return absl::InternalError(r.error);
      if (r.state == ParseState::kIncomplete) return false;
      *consumed += r.consumed;
      if (reply.kind == TextReplyKind::kEnd) return true;
      if (reply.kind != TextReplyKind::kStat) {
        return absl::InternalError("unexpected line in stats output");
      }
      stats_->values.emplace_back(std::string(reply.name),
                                  std::string(reply.text));
    }
  }

 private:
  EndpointStats* stats_;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> MemcachedBackend::List(
    absl::string_view prefix) {
  absl::Time deadline = absl::Now() + options_.list_timeout;
  std::vector<std::string> keys;
  // Servers still to dump; a busy crawler is asked again shortly.
  std::vector<Server*> pending;
  for (const auto& server : servers_) pending.push_back(server.get());
  while (!pending.empty()) {
    absl::Time now = absl::Now();
    std::vector<std::unique_ptr<Connection>> conns;
    std::vector<std::unique_ptr<MetadumpReader>> readers;
    std::vector<net::ExchangeTask> tasks;
    for (Server* server : pending) {
      if (absl::Status s = server->Admit(now); !s.ok()) return s;
      // A dedicated connection: a long dump must not hold a pooled one. It
      // is set up in RunExchanges, every server's at once.
      absl::StatusOr<std::unique_ptr<Connection>> conn =
          server->pool().OpenDedicated(deadline,
                                       ConnectionPool::Connect::kStart);
      if (!conn.ok()) {
        server->Record(conn.status());
        return conn.status();
      }
      (*conn)->request()->append(kMetadumpRequest.data(),
                                 kMetadumpRequest.size());
      readers.push_back(
          std::make_unique<MetadumpReader>(server->name(), prefix, now, &keys));
      tasks.push_back(net::ExchangeTask{conn->get(), readers.back().get(), {}});
      conns.push_back(*std::move(conn));
    }
    net::RunExchanges(absl::MakeSpan(tasks), deadline);
    std::vector<Server*> busy;
    for (size_t i = 0; i < tasks.size(); ++i) {
      pending[i]->Record(tasks[i].status);
      if (!tasks[i].status.ok()) return tasks[i].status;
      if (!readers[i]->error().ok()) return readers[i]->error();
      if (readers[i]->busy()) busy.push_back(pending[i]);
    }
    pending = std::move(busy);
    if (!pending.empty()) {
      if (absl::Now() + absl::Milliseconds(100) >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("memcached ", pending[0]->name(),
                         ": LRU crawler stayed busy; cannot list keys within ",
                         absl::FormatDuration(options_.list_timeout)));
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  // With failover=rehash a key may live on two servers.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

absl::StatusOr<std::vector<EndpointStats>> MemcachedBackend::Stats() {
  absl::Time now = absl::Now();
  absl::Time deadline = now + options_.timeout;
  std::vector<EndpointStats> stats(servers_.size());
  std::vector<absl::optional<PooledConnection>> conns(servers_.size());
  std::vector<std::unique_ptr<StatsReader>> readers;
  std::vector<net::ExchangeTask> tasks;
  for (size_t i = 0; i < servers_.size(); ++i) {
    Server* server = servers_[i].get();
    stats[i].endpoint = server->name();
    if (absl::Status s = server->Admit(now); !s.ok()) return s;
    // Set up in RunExchanges, every server's at once.
    absl::StatusOr<PooledConnection> conn =
        server->Acquire(deadline, ConnectionPool::Connect::kStart);
    if (!conn.ok()) return conn.status();
    conns[i].emplace(*std::move(conn));
    AppendStats((*conns[i])->request());
    readers.push_back(std::make_unique<StatsReader>(&stats[i]));
    tasks.push_back(
        net::ExchangeTask{conns[i]->get(), readers.back().get(), {}});
  }
  net::RunExchanges(absl::MakeSpan(tasks), deadline);
  for (size_t i = 0; i < tasks.size(); ++i) {
    servers_[i]->Record(tasks[i].status);
  }
  for (const net::ExchangeTask& t : tasks) {
    if (!t.status.ok()) return t.status;
  }
  return stats;
}

absl::Status MemcachedBackend::Flush(absl::Duration delay) {
  absl::Time now = absl::Now();
  absl::Time deadline = now + options_.timeout;
  std::vector<absl::optional<PooledConnection>> conns(servers_.size());
  std::vector<std::unique_ptr<TextReplyReader>> readers;
  std::vector<net::ExchangeTask> tasks;
  for (size_t i = 0; i < servers_.size(); ++i) {
    Server* server = servers_[i].get();
    if (absl::Status s = server->Admit(now); !s.ok()) return s;
    // Set up in RunExchanges, every server's at once.
    absl::StatusOr<PooledConnection> conn =
        server->Acquire(deadline, ConnectionPool::Connect::kStart);
    if (!conn.ok()) return conn.status();
    conns[i].emplace(*std::move(conn));
    AppendFlushAll((*conns[i])->request(), delay, now);
    readers.push_back(std::make_unique<TextReplyReader>());
    tasks.push_back(
        net::ExchangeTask{conns[i]->get(), readers.back().get(), {}});
  }
  net::RunExchanges(absl::MakeSpan(tasks), deadline);
  for (size_t i = 0; i < tasks.size(); ++i) {
    servers_[i]->Record(tasks[i].status);
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].status.ok()) return tasks[i].status;
    const TextReply& reply = readers[i]->reply();
    if (reply.kind != TextReplyKind::kOk) {
      (*conns[i])->MarkBroken();
      return absl::InternalError(
          absl::StrCat("memcached ", servers_[i]->name(),
                       ": flush_all failed: ", reply.text));
    }
  }
  return absl::OkStatus();
}

HealthReport MemcachedBackend::Health(absl::Duration timeout) {
  HealthReport report;
  report.endpoints.resize(servers_.size());
  // A probe per server, in parallel: each may wait up to `timeout` to
  // connect, and connecting is blocking per connection.
  auto probe = [this, timeout, &report](size_t i) {
    Server* server = servers_[i].get();
    EndpointHealth& health = report.endpoints[i];
    health.endpoint = server->name();
    absl::Time start = absl::Now();
    absl::Time deadline = start + timeout;
    absl::Status status;
    absl::StatusOr<PooledConnection> conn = server->Acquire(deadline);
    if (!conn.ok()) {
      status = conn.status();
    } else {
      AppendVersion((*conn)->request());
      TextReplyReader reader;
      status = (*conn)->Exchange(reader, deadline);
      server->Record(status);
      if (status.ok() && reader.reply().kind != TextReplyKind::kVersion) {
        (*conn)->MarkBroken();
        status = absl::InternalError(absl::StrCat(
            "memcached ", server->name(), ": unexpected reply to version"));
      }
    }
    health.latency = absl::Now() - start;
    health.ok = status.ok();
    health.error = status;
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < servers_.size(); ++i) threads.emplace_back(probe, i);
  probe(0);
  for (std::thread& t : threads) t.join();
  return report;
}

}  // namespace kivi::memcached
