#include <libmemcached/memcached.h>

#include <cstdlib>
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

// Generous, so a loaded machine slows the benchmark down instead of turning
// large batches into errors; kivi's URLs in the bench use the same bound.
constexpr uint64_t kTimeoutMs = 10000;

absl::Status Failure(memcached_st* memc, memcached_return_t rc,
                     absl::string_view what) {
  if (rc == MEMCACHED_NOTFOUND) return absl::NotFoundError(what);
  return absl::UnavailableError(
      absl::StrCat("libmemcached ", what, ": ", memcached_strerror(memc, rc)));
}

class LibmemcachedSession final : public Session {
 public:
  // The result lives in the session, not on the heap: memcached_fetch_result
  // frees a heap-allocated result when the fetch ends, but only resets one
  // it does not own, whose buffer is then reused by the next batch.
  explicit LibmemcachedSession(memcached_st* memc) : memc_(memc) {
    memcached_result_create(memc_, &result_);
  }
  ~LibmemcachedSession() override {
    memcached_result_free(&result_);
    memcached_free(memc_);
  }

  absl::Status Get(absl::string_view key, std::string* value) override {
    size_t length = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char* got =
        memcached_get(memc_, key.data(), key.size(), &length, &flags, &rc);
    if (got == nullptr) return Failure(memc_, rc, "get");
    value->assign(got, length);
    free(got);
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    memcached_return_t rc = memcached_set(memc_, key.data(), key.size(),
                                          value.data(), value.size(), 0, 0);
    if (!memcached_success(rc)) return Failure(memc_, rc, "set");
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    memcached_return_t rc =
        memcached_mget(memc_, run.pointers, run.lengths, run.keys.size());
    if (!memcached_success(rc)) return Failure(memc_, rc, "mget");
    size_t hits = 0;
    absl::Status status;
    while (memcached_fetch_result(memc_, &result_, &rc) != nullptr) {
      if (memcached_result_length(&result_) != value_bytes && status.ok()) {
        status = absl::DataLossError(
            absl::StrCat("libmemcached mget returned ",
                         memcached_result_length(&result_), " bytes"));
      }
      ++hits;
    }
    if (rc != MEMCACHED_END && rc != MEMCACHED_NOTFOUND) {
      return Failure(memc_, rc, "mget fetch");
    }
    if (!status.ok()) return status;
    return hits;
  }

 private:
  memcached_st* memc_;
  memcached_result_st result_;
};

class LibmemcachedTarget final : public Target {
 public:
  explicit LibmemcachedTarget(std::vector<std::string> servers)
      : servers_(std::move(servers)) {}

  std::string name() const override { return "libmemcached"; }

  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    memcached_st* memc = memcached_create(nullptr);
    if (memc == nullptr) {
      return absl::ResourceExhaustedError("memcached_create failed");
    }
    for (const std::string& server : servers_) {
      std::vector<std::string> parts = absl::StrSplit(server, ':');
      int port = 0;
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &port)) {
        memcached_free(memc);
        return absl::InvalidArgumentError(
            absl::StrCat("server \"", server, "\" is not host:port"));
      }
      memcached_server_add(memc, parts[0].c_str(), static_cast<in_port_t>(port));
    }
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, kTimeoutMs);
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, kTimeoutMs);
    if (servers_.size() > 1) {
      memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    }
    auto session = std::make_unique<LibmemcachedSession>(memc);
    // Connects (to the probe key's server) outside any timed region; the
    // untimed warm-up of each run reaches the other servers.
    std::string ignored;
    absl::Status probe = session->Get("bench:connect", &ignored);
    if (!probe.ok() && !absl::IsNotFound(probe)) return probe;
    return session;
  }

 private:
  std::vector<std::string> servers_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewLibmemcachedTarget(
    const std::vector<std::string>& servers) {
  if (servers.empty()) {
    return absl::InvalidArgumentError("libmemcached target needs a server");
  }
  return std::make_unique<LibmemcachedTarget>(servers);
}

}  // namespace kivi_bench
