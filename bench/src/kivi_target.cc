#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kivi/kivi.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

class KiviSession final : public Session {
 public:
  explicit KiviSession(std::shared_ptr<kivi::Client> client)
      : client_(std::move(client)) {}

  absl::Status Get(absl::string_view key, std::string* value) override {
    absl::StatusOr<std::string> got = client_->Get(key);
    if (!got.ok()) return got.status();
    *value = *std::move(got);
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    return client_->Set(key, value);
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    absl::StatusOr<kivi::BatchGetResult> got = client_->BatchGet(run.keys);
    if (!got.ok()) return got.status();
    if (!got->failed.empty()) return got->failed.begin()->second;
    for (const auto& [key, value] : got->found) {
      if (value.size() != value_bytes) {
        return absl::DataLossError(absl::StrCat(
            "kivi BatchGet returned ", value.size(), " bytes for ", key));
      }
    }
    return got->found.size();
  }

 private:
  std::shared_ptr<kivi::Client> client_;
};

class KiviTarget final : public Target {
 public:
  KiviTarget(std::shared_ptr<kivi::Client> client, std::string name,
             bool in_process)
      : client_(std::move(client)),
        name_(std::move(name)),
        in_process_(in_process) {}

  std::string name() const override { return name_; }
  int latency_sample_every() const override { return in_process_ ? 16 : 1; }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    return std::make_unique<KiviSession>(client_);
  }

 private:
  std::shared_ptr<kivi::Client> client_;
  std::string name_;
  bool in_process_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewKiviTarget(
    const std::string& url, const std::string& name,
    std::shared_ptr<kivi::ClientObserver> observer) {
  absl::StatusOr<std::unique_ptr<kivi::Client>> client =
      kivi::Open(url, {.observer = std::move(observer)});
  if (!client.ok()) return client.status();
  const bool in_process =
      absl::StartsWith(url, "memory:") || absl::StartsWith(url, "rocksdb:");
  return std::make_unique<KiviTarget>(
      std::shared_ptr<kivi::Client>(*std::move(client)), name, in_process);
}

}  // namespace kivi_bench
