#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

absl::Status Failure(redisContext* c, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("hiredis ", what, ": ", c->errstr));
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class HiredisSession final : public Session {
 public:
  explicit HiredisSession(redisContext* c) : c_(c) {}
  ~HiredisSession() override { redisFree(c_); }

  absl::Status Get(absl::string_view key, std::string* value) override {
    ReplyPtr r(static_cast<redisReply*>(
        redisCommand(c_, "GET %b", key.data(), key.size())));
    if (r == nullptr) return Failure(c_, "get");
    if (r->type == REDIS_REPLY_NIL) return absl::NotFoundError(key);
    if (r->type != REDIS_REPLY_STRING) return absl::InternalError("GET reply");
    value->assign(r->str, r->len);
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    ReplyPtr r(static_cast<redisReply*>(redisCommand(
        c_, "SET %b %b", key.data(), key.size(), value.data(), value.size())));
    if (r == nullptr) return Failure(c_, "set");
    if (r->type != REDIS_REPLY_STATUS) return absl::InternalError("SET reply");
    return absl::OkStatus();
  }

  // One MGET for the whole run (hiredis has no cluster support).
  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    argv_.assign(1, "MGET");
    lengths_.assign(1, 4);
    for (size_t i = 0; i < run.keys.size(); ++i) {
      argv_.push_back(run.pointers[i]);
      lengths_.push_back(run.lengths[i]);
    }
    ReplyPtr r(static_cast<redisReply*>(redisCommandArgv(
        c_, static_cast<int>(argv_.size()), argv_.data(), lengths_.data())));
    if (r == nullptr) return Failure(c_, "mget");
    if (r->type != REDIS_REPLY_ARRAY) return absl::InternalError("MGET reply");
    size_t hits = 0;
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      if (e->type != REDIS_REPLY_STRING) continue;
      if (e->len != value_bytes) {
        return absl::DataLossError(absl::StrCat("got ", e->len, " bytes"));
      }
      ++hits;
    }
    return hits;
  }

 private:
  redisContext* const c_;
  std::vector<const char*> argv_;
  std::vector<size_t> lengths_;
};

class HiredisTarget final : public Target {
 public:
  explicit HiredisTarget(std::string server) : server_(std::move(server)) {}

  std::string name() const override { return "hiredis"; }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    std::pair<std::string, std::string> parts =
        absl::StrSplit(server_, absl::MaxSplits(':', 1));
    int port = 0;
    if (!absl::SimpleAtoi(parts.second, &port)) {
      return absl::InvalidArgumentError(absl::StrCat("bad server ", server_));
    }
    redisContext* c = redisConnect(parts.first.c_str(), port);
    if (c == nullptr || c->err) {
      absl::Status status = absl::UnavailableError(absl::StrCat(
          "hiredis connect ", server_, ": ", c ? c->errstr : "out of memory"));
      if (c != nullptr) redisFree(c);
      return status;
    }
    return std::make_unique<HiredisSession>(c);
  }

 private:
  const std::string server_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewHiredisTarget(
    const std::string& server) {
  return std::make_unique<HiredisTarget>(server);
}

}  // namespace kivi_bench
