#include "kivi/server/server.h"

#include <climits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/health_check_service_server_builder_option.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "kivi/grpc/channel.h"
#include "kivi/kivi.h"
#include "kivi/observability/metrics_observer.h"
#include "kivi/observability/prometheus_text.h"
#include "kivi/status_macros.h"
#include "kivi/v1/kv.grpc.pb.h"
#include "src/bearer_token_auth.h"
#include "src/exposure.h"
#include "src/health_service.h"
#include "src/key_value_service.h"
#include "src/metrics_http.h"
#include "src/server_credentials.h"
#include "src/server_metrics.h"

namespace kivi {
namespace {

// "host:port" with the port replaced by the one actually bound, so that
// listening on port 0 reports a usable address.
std::string BoundAddress(const std::string& listen, int port) {
  const size_t colon = listen.rfind(':');
  const std::string host =
      colon == std::string::npos ? listen : listen.substr(0, colon);
  return absl::StrCat(host, ":", port);
}

absl::Status CheckLimits(const ServerLimits& limits) {
  if (limits.max_message_bytes == 0 || limits.max_message_bytes > INT_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_message_bytes must be in [1, ", INT_MAX, "], got ",
                     limits.max_message_bytes));
  }
  if (limits.max_batch_keys == 0) {
    return absl::InvalidArgumentError("max_batch_keys must be at least 1");
  }
  if (limits.max_value_bytes == 0) {
    return absl::InvalidArgumentError("max_value_bytes must be at least 1");
  }
  if (limits.max_health_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("max_health_timeout must be positive");
  }
  return absl::OkStatus();
}

// The token from options.auth_token_file; empty when there is none.
absl::StatusOr<std::string> ReadToken(const ServerOptions& options) {
  if (options.auth_token_file.empty()) return std::string();
  return ReadTokenFile("auth_token_file", options.auth_token_file);
}

}  // namespace

Server::Server(ServerOptions options, std::unique_ptr<Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

Server::~Server() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  // Everything that can be wrong with the options is found before a port
  // is bound, the files before the backend is even opened.
  // Before the first use of OpenSSL (certificates, the token's digest).
  KeepOpenSslUntilExit();
  KIVI_RETURN_IF_ERROR(CheckLimits(options.limits));
  KIVI_RETURN_IF_ERROR(CheckListenAddress(options.listen));
  KIVI_RETURN_IF_ERROR(CheckExposure(options));
  if (!options.metrics_listen.empty()) {
    KIVI_RETURN_IF_ERROR(
        CheckMetricsExposure(options.metrics_listen, options.allow_insecure));
  }
  absl::StatusOr<std::string> token = ReadToken(options);
  if (!token.ok()) return token.status();
  auto auth = std::make_unique<BearerTokenAuth>(*token);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      NewServerCredentials(options.tls, *auth);
  if (!credentials.ok()) return credentials.status();

  auto client_metrics = std::make_shared<observability::MetricsObserver>();
  absl::StatusOr<std::unique_ptr<Client>> client =
      kivi::Open(options.backend_url, {.observer = client_metrics});
  if (!client.ok()) {
    return absl::Status(
        client.status().code(),
        absl::StrCat("kivi-server backend ", options.backend_url, ": ",
                     client.status().message()));
  }
  std::unique_ptr<Server> server(
      new Server(std::move(options), *std::move(client)));
  server->client_metrics_ = std::move(client_metrics);
  server->metrics_ = std::make_unique<ServerMetrics>();
  server->health_ = std::make_unique<HealthService>(std::vector<std::string>{
      "", std::string(v1::KeyValue::service_full_name())});
  absl::StatusOr<std::unique_ptr<HealthChecker>> checker = HealthChecker::Start(
      [client = server->client_.get()](absl::Duration timeout) {
        return client->Health(timeout);
      },
      server->options_.health,
      [health = server->health_.get(), metrics = server->metrics_.get()](
          bool serving, const HealthReport&) {
        health->SetServing(serving);
        metrics->HealthChanged(serving);
      });
  if (!checker.ok()) return checker.status();
  server->checker_ = *std::move(checker);
  server->auth_ = std::move(auth);
  server->service_ = std::make_unique<KeyValueService>(
      *server->client_, *server->auth_, server->options_.limits);

  static absl::once_flag reflection_once;
  absl::call_once(reflection_once,
                  grpc::reflection::InitProtoReflectionServerBuilderPlugin);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(server->options_.listen, *credentials,
                           &server->port_);
  // A second server on a busy port must fail, not silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(server->options_.limits.max_message_bytes));
  // kivi's own health service replaces gRPC's, even where an application
  // enabled gRPC's for every server.
  builder.SetOption(
      std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(server->metrics_->NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->health_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    return absl::UnavailableError(
        absl::StrCat("kivi-server cannot listen on ", server->options_.listen,
                     ": malformed address, or address in use"));
  }
  server->address_ = BoundAddress(server->options_.listen, server->port_);
  if (!server->options_.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http =
        MetricsHttpServer::Start(
            server->options_.metrics_listen,
            [s = server.get()] { return s->RenderMetrics(); });
    if (!http.ok()) return http.status();
    server->metrics_http_ = *std::move(http);
    server->metrics_port_ = server->metrics_http_->port();
  }
  return server;
}

std::string Server::RenderMetrics() const {
  std::vector<observability::MetricFamily> families;
  CollectBuildInfo(&families);
  metrics_->Collect(&families);
  CollectHealth(checker_->serving(), checker_->last_report(), &families);
  client_metrics_->Collect(&families);
  observability::CollectEndpointStates(*client_, &families);
  return observability::RenderPrometheusText(families);
}

void Server::DeclareNotServing() { health_->DeclareNotServing(); }

void Server::Shutdown(absl::Duration drain) {
  health_->DeclareNotServing();
  health_->EndWatches();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + drain));
}

void Server::Wait() { server_->Wait(); }

}  // namespace kivi
