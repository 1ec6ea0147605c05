#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "kivibench/v1/echo.grpc.pb.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

// As kivi's grpc:// backend with the bench's timeout=10s.
constexpr std::chrono::seconds kDeadline(10);

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

class EchoSession final : public Session {
 public:
  explicit EchoSession(std::shared_ptr<kivibench::v1::Echo::Stub> stub)
      : stub_(std::move(stub)) {}

  absl::Status Get(absl::string_view key, std::string* value) override {
    kivi::v1::GetRequest request;
    request.set_key(std::string(key));
    kivi::v1::GetResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kDeadline);
    absl::Status status = FromGrpc(stub_->Get(&context, request, &response));
    if (!status.ok()) return status;
    *value = std::move(*response.mutable_value());
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    kivi::v1::SetRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    request.mutable_ttl();
    kivi::v1::SetResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kDeadline);
    return FromGrpc(stub_->Set(&context, request, &response));
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    kivi::v1::BatchGetRequest request;
    for (const std::string& key : run.keys) request.add_keys(key);
    kivi::v1::BatchGetResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kDeadline);
    absl::Status status =
        FromGrpc(stub_->BatchGet(&context, request, &response));
    if (!status.ok()) return status;
    for (const kivi::v1::BatchGetResponse::Hit& hit : response.found()) {
      if (hit.value().size() != value_bytes) {
        return absl::DataLossError(
            absl::StrCat("echo returned ", hit.value().size(), " bytes"));
      }
    }
    return static_cast<size_t>(response.found_size());
  }

 private:
  std::shared_ptr<kivibench::v1::Echo::Stub> stub_;
};

class EchoTarget final : public Target {
 public:
  EchoTarget(std::shared_ptr<kivibench::v1::Echo::Stub> stub, std::string name)
      : stub_(std::move(stub)), name_(std::move(name)) {}

  std::string name() const override { return name_; }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    return std::make_unique<EchoSession>(stub_);
  }

 private:
  std::shared_ptr<kivibench::v1::Echo::Stub> stub_;
  const std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewEchoTarget(const std::string& target,
                                                      const std::string& name) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      target, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(5))) {
    return absl::UnavailableError(
        absl::StrCat("echo server ", target, " not reachable"));
  }
  return std::make_unique<EchoTarget>(
      std::shared_ptr<kivibench::v1::Echo::Stub>(
          kivibench::v1::Echo::NewStub(channel)),
      name);
}

}  // namespace kivi_bench
