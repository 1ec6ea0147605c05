// kivi's asynchronous calls as a bench client: each session keeps a window
// of GetAsync calls in flight on the shared kivi::Client.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kivi/kivi.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

// Get tops the window up to `window` calls in flight (the first call fills
// it with its own key), then waits for the oldest completion still
// unclaimed and returns it: one call per completed Get, so the runner's
// rate is the completion rate. Completions that arrive while the session
// is not being driven (between slices) are claimed by the next calls, so a
// slice may be credited up to window - 1 operations finished before it:
// give the cell slices long enough for that to be noise.
class AsyncWindowSession final : public Session {
 public:
  AsyncWindowSession(std::shared_ptr<kivi::Client> client, int window)
      : client_(std::move(client)), window_(window) {}

  // Waits for the calls still running: their callbacks refer to it.
  ~AsyncWindowSession() override {
    std::unique_lock<std::mutex> lock(mu_);
    arrived_.wait(lock, [this] { return running_ == 0; });
  }

  absl::Status Get(absl::string_view key, std::string* value) override {
    int to_start;
    {
      std::lock_guard<std::mutex> lock(mu_);
      to_start = window_ - in_flight_;
      in_flight_ = window_;
      running_ += to_start;
    }
    for (int i = 0; i < to_start; ++i) {
      client_->GetAsync(key, [this](absl::StatusOr<std::string> got) {
        std::lock_guard<std::mutex> lock(mu_);
        done_.push_back(std::move(got));
        --running_;
        arrived_.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu_);
    arrived_.wait(lock, [this] { return !done_.empty(); });
    absl::StatusOr<std::string> got = std::move(done_.front());
    done_.pop_front();
    --in_flight_;
    if (!got.ok()) return got.status();
    *value = *std::move(got);
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    return client_->Set(key, value);  // For preloading only.
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun&, size_t) override {
    return absl::UnimplementedError("asynchronous Get only");
  }

 private:
  const std::shared_ptr<kivi::Client> client_;
  const int window_;
  std::mutex mu_;
  std::condition_variable arrived_;
  // Calls started and not yet claimed by Get (finished ones included).
  int in_flight_ = 0;
  // Calls whose callback has not run yet.
  int running_ = 0;
  std::deque<absl::StatusOr<std::string>> done_;
};

class AsyncWindowTarget final : public Target {
 public:
  AsyncWindowTarget(std::shared_ptr<kivi::Client> client, std::string name,
                    int window)
      : client_(std::move(client)), name_(std::move(name)), window_(window) {}

  std::string name() const override { return name_; }
  bool Supports(Workload workload) const override {
    return workload == Workload::kGetHit || workload == Workload::kGetMiss;
  }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    return std::make_unique<AsyncWindowSession>(client_, window_);
  }

 private:
  const std::shared_ptr<kivi::Client> client_;
  const std::string name_;
  const int window_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewKiviAsyncTarget(
    const std::string& url, const std::string& name, int window) {
  absl::StatusOr<std::unique_ptr<kivi::Client>> client = kivi::Open(url);
  if (!client.ok()) return client.status();
  return std::make_unique<AsyncWindowTarget>(
      std::shared_ptr<kivi::Client>(*std::move(client)), name, window);
}

}  // namespace kivi_bench
