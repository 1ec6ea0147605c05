#include "kivi/grpc/grpc_backend.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kivi/proto/conversions.h"
#include "kivi/proto/status_mapping.h"
#include "kivi/status_macros.h"
#include "kivi/v1/kv.grpc.pb.h"
#include "src/remote_call.h"

namespace kivi {
namespace {

using proto::ToProtoDuration;

// Reconnection after the server went away backs off up to this long (gRPC's
// default is two minutes), so a restarted server is used again promptly.
constexpr int kMaxReconnectBackoffMs = 1000;

// Health's RPC may take this long beyond the probe timeout, for the reply
// to travel back.
constexpr absl::Duration kHealthReplyMargin = absl::Milliseconds(250);

// gRPC's reason for the last failed connection attempt (refused, TLS
// handshake failed, ...), which only a fail-fast call reports.
std::string ConnectFailure(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
  v1::DescribeResponse response;
  const grpc::Status status = v1::KeyValue::NewStub(channel)->Describe(
      &context, v1::DescribeRequest(), &response);
  return status.error_message();
}

// What to check after a failed connection, from gRPC's reason.
absl::string_view ConnectHint(absl::string_view reason, bool tls) {
  if (absl::StrContains(reason, "refused")) {
    return " (is kivi-server running and listening there?)";
  }
  if (absl::StrContains(reason, "Socket closed") ||
      absl::StrContains(reason, "handshake") ||
      absl::StrContains(reason, "SSL")) {
    return tls ? " (tls=1 is set: does the server speak TLS, and does its "
                 "certificate match ca= and the host or server_name=?)"
               : " (does the server speak TLS? then add tls=1 and ca= to the "
                 "URL)";
  }
  return "";
}

// Waits for the channel to connect. A connection attempt that fails
// (refused, TLS handshake failed) ends the wait at once with gRPC's reason:
// gRPC would only retry it until connect_timeout and then report the same.
absl::Status AwaitConnection(const std::shared_ptr<grpc::Channel>& channel,
                             const GrpcBackendOptions& options) {
  const auto deadline =
      absl::ToChronoTime(absl::Now() + options.connect_timeout);
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE ||
        !channel->WaitForStateChange(state, deadline)) {
      const bool failed = state == GRPC_CHANNEL_TRANSIENT_FAILURE;
      const std::string reason = ConnectFailure(channel);
      return absl::UnavailableError(absl::StrCat(
          "kivi-server ", options.target,
          failed ? ": cannot connect: "
                 : absl::StrCat(": not reachable within ",
                                absl::FormatDuration(options.connect_timeout),
                                ": "),
          reason, ConnectHint(reason, options.tls.enabled)));
    }
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return absl::OkStatus();
}

class GrpcBackend final : public Backend {
 public:
  GrpcBackend(GrpcBackendOptions options,
              std::unique_ptr<v1::KeyValue::Stub> stub)
      : options_(std::move(options)),
        server_(RemoteServer{std::move(stub), options_.target, options_.timeout,
                             options_.token}) {}

  // Asks the server what its backend supports; called once, before the
  // backend is shared.
  absl::Status Describe() {
    v1::DescribeResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::Describe, v1::DescribeRequest(), &response);
    if (!status.ok()) return status;
    absl::StatusOr<Capabilities> capabilities =
        proto::FromProtoCapabilities(response.capabilities());
    if (!capabilities.ok()) {
      return absl::InternalError(absl::StrCat(
          "kivi-server ", options_.target,
          " described its backend wrongly: ", capabilities.status().message()));
    }
    capabilities_ = *capabilities;
    return absl::OkStatus();
  }

  Capabilities capabilities() const override { return capabilities_; }

  absl::StatusOr<std::string> Get(absl::string_view key) override {
    v1::GetRequest request;
    request.set_key(std::string(key));
    v1::GetResponse response;
    absl::Status status = Call(&v1::KeyValue::Stub::Get, request, &response);
    if (!status.ok()) return status;
    return std::move(*response.mutable_value());
  }

  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override {
    v1::SetRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::SetResponse response;
    return Call(&v1::KeyValue::Stub::Set, request, &response);
  }

  absl::Status Delete(absl::string_view key) override {
    v1::DeleteRequest request;
    request.set_key(std::string(key));
    v1::DeleteResponse response;
    return Call(&v1::KeyValue::Stub::Delete, request, &response);
  }

  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override {
    v1::ListRequest request;
    request.set_prefix(std::string(prefix));
    v1::ListResponse response;
    absl::Status status = Call(&v1::KeyValue::Stub::List, request, &response);
    if (!status.ok()) return status;
    return ReadKeys(response);
  }

  absl::StatusOr<BatchGetResult> BatchGet(
      absl::Span<const std::string> keys) override {
    v1::BatchGetRequest request;
    request.mutable_keys()->Add(keys.begin(), keys.end());
    v1::BatchGetResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::BatchGet, request, &response);
    if (!status.ok()) return status;
    return ReadBatchGet(response);
  }

  absl::StatusOr<BatchWriteResult> BatchSet(absl::Span<const KeyValue> entries,
                                            absl::Duration ttl) override {
    v1::BatchSetRequest request;
    request.mutable_entries()->Reserve(static_cast<int>(entries.size()));
    for (const KeyValue& entry : entries) {
      v1::BatchSetRequest::Entry* e = request.add_entries();
      e->set_key(entry.key);
      e->set_value(entry.value);
    }
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::BatchSetResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::BatchSet, request, &response);
    if (!status.ok()) return status;
    return ReadBatchWrite(response);
  }

  absl::StatusOr<BatchWriteResult> BatchDelete(
      absl::Span<const std::string> keys) override {
    v1::BatchDeleteRequest request;
    request.mutable_keys()->Add(keys.begin(), keys.end());
    v1::BatchDeleteResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::BatchDelete, request, &response);
    if (!status.ok()) return status;
    return ReadBatchWrite(response);
  }

  HealthReport Health(absl::Duration timeout) override {
    v1::HealthRequest request;
    *request.mutable_timeout() = ToProtoDuration(timeout);
    v1::HealthResponse response;
    grpc::ClientContext context;
    server_.Prepare(context, timeout + kHealthReplyMargin);
    const absl::Time start = absl::Now();
    const grpc::Status status =
        server_.stub->Health(&context, request, &response);
    // The server itself comes first, then each endpoint it reports.
    HealthReport report;
    EndpointHealth& server = report.endpoints.emplace_back();
    server.endpoint = options_.target;
    server.latency = absl::Now() - start;
    server.error = server_.Result(status);
    server.ok = server.error.ok();
    if (!server.ok) return report;
    for (EndpointHealth& endpoint :
         proto::FromProtoHealth(response).endpoints) {
      endpoint.endpoint = absl::StrCat(options_.target, "/", endpoint.endpoint);
      report.endpoints.push_back(std::move(endpoint));
    }
    return report;
  }

  absl::Status Add(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override {
    v1::AddRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::AddResponse response;
    return Call(&v1::KeyValue::Stub::Add, request, &response);
  }

  absl::Status Replace(absl::string_view key, absl::string_view value,
                       absl::Duration ttl) override {
    v1::ReplaceRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::ReplaceResponse response;
    return Call(&v1::KeyValue::Stub::Replace, request, &response);
  }

  absl::StatusOr<uint64_t> Increment(absl::string_view key, int64_t delta,
                                     uint64_t initial, bool create,
                                     absl::Duration ttl) override {
    v1::IncrementRequest request;
    request.set_key(std::string(key));
    request.set_delta(delta);
    request.set_initial(initial);
    request.set_create(create);
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::IncrementResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::Increment, request, &response);
    if (!status.ok()) return status;
    return response.value();
  }

  absl::StatusOr<VersionedValue> GetVersioned(absl::string_view key) override {
    v1::GetVersionedRequest request;
    request.set_key(std::string(key));
    v1::GetVersionedResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::GetVersioned, request, &response);
    if (!status.ok()) return status;
    return VersionedValue{std::move(*response.mutable_value()),
                          response.version()};
  }

  absl::Status CompareAndSet(absl::string_view key, absl::string_view value,
                             uint64_t version, absl::Duration ttl) override {
    v1::CompareAndSetRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    request.set_version(version);
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::CompareAndSetResponse response;
    return Call(&v1::KeyValue::Stub::CompareAndSet, request, &response);
  }

  absl::Status Touch(absl::string_view key, absl::Duration ttl) override {
    v1::TouchRequest request;
    request.set_key(std::string(key));
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::TouchResponse response;
    return Call(&v1::KeyValue::Stub::Touch, request, &response);
  }

  absl::StatusOr<std::string> GetAndTouch(absl::string_view key,
                                          absl::Duration ttl) override {
    v1::GetAndTouchRequest request;
    request.set_key(std::string(key));
    *request.mutable_ttl() = ToProtoDuration(ttl);
    v1::GetAndTouchResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::GetAndTouch, request, &response);
    if (!status.ok()) return status;
    return std::move(*response.mutable_value());
  }

  absl::Status Append(absl::string_view key, absl::string_view value) override {
    v1::AppendRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    v1::AppendResponse response;
    return Call(&v1::KeyValue::Stub::Append, request, &response);
  }

  absl::Status Prepend(absl::string_view key,
                       absl::string_view value) override {
    v1::PrependRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    v1::PrependResponse response;
    return Call(&v1::KeyValue::Stub::Prepend, request, &response);
  }

  absl::Status Flush(absl::Duration delay) override {
    v1::FlushRequest request;
    *request.mutable_delay() = ToProtoDuration(delay);
    v1::FlushResponse response;
    return Call(&v1::KeyValue::Stub::Flush, request, &response);
  }

  // Flush and Stats run on the client's executor (Backend::Submit's
  // default); every other operation is one RPC on gRPC's callback API.
  void Submit(AsyncRequest request, AsyncDone done,
              Executor& executor) override {
    if (StartRemoteCall(&server_, request, done)) return;
    Backend::Submit(std::move(request), std::move(done), executor);
  }

  absl::StatusOr<std::vector<EndpointStats>> Stats() override {
    v1::StatsResponse response;
    absl::Status status =
        Call(&v1::KeyValue::Stub::Stats, v1::StatsRequest(), &response);
    if (!status.ok()) return status;
    std::vector<EndpointStats> stats = proto::FromProtoStats(response);
    for (EndpointStats& endpoint : stats) {
      endpoint.endpoint = absl::StrCat(options_.target, "/", endpoint.endpoint);
    }
    return stats;
  }

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (v1::KeyValue::Stub::*)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*);

  // One RPC with the configured deadline; the reply's status mapped back.
  template <typename Request, typename Response>
  absl::Status Call(Method<Request, Response> method, const Request& request,
                    Response* response) const {
    grpc::ClientContext context;
    server_.Prepare(context, options_.timeout);
    return server_.Result(
        (server_.stub.get()->*method)(&context, request, response));
  }

  const GrpcBackendOptions options_;
  const RemoteServer server_;
  Capabilities capabilities_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> NewGrpcBackend(
    const GrpcBackendOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError(
        "grpc backend needs a target \"host:port\"");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc backend timeout must be positive, got ",
                     absl::FormatDuration(options.timeout)));
  }
  grpc::ChannelArguments args;
  // The server bounds what it sends; a batch of large values must not be
  // refused on the way back by gRPC's default 4 MiB limit.
  args.SetMaxReceiveMessageSize(-1);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      NewClientChannel(options.target, options.tls, args);
  if (!channel.ok()) return channel.status();
  KIVI_RETURN_IF_ERROR(AwaitConnection(*channel, options));
  auto backend = std::make_unique<GrpcBackend>(
      options, v1::KeyValue::NewStub(*std::move(channel)));
  absl::Status described = backend->Describe();
  if (!described.ok()) return described;
  return backend;
}

}  // namespace kivi
