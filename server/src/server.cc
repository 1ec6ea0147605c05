#include "kivi/server/server.h"

#include <utility>

#include "absl/base/call_once.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "kivi/kivi.h"
#include "src/key_value_service.h"

namespace kivi {
namespace {

// The largest request accepted. A single value is at most about 1 MiB, so
// this admits a batch of dozens of maximal values; gRPC's own default of
// 4 MiB would turn an ordinary batch into RESOURCE_EXHAUSTED.
constexpr int kMaxReceiveMessageBytes = 64 << 20;

// "host:port" with the port replaced by the one actually bound, so that
// listening on port 0 reports a usable address.
std::string BoundAddress(const std::string& listen, int port) {
  const size_t colon = listen.rfind(':');
  const std::string host =
      colon == std::string::npos ? listen : listen.substr(0, colon);
  return absl::StrCat(host, ":", port);
}

}  // namespace

Server::Server(ServerOptions options, std::unique_ptr<Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

Server::~Server() = default;

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      kivi::Open(options.backend_url);
  if (!client.ok()) {
    return absl::Status(
        client.status().code(),
        absl::StrCat("kivi-server backend ", options.backend_url, ": ",
                     client.status().message()));
  }
  std::unique_ptr<Server> server(
      new Server(std::move(options), *std::move(client)));
  server->service_ = std::make_unique<KeyValueService>(*server->client_);

  // Registers reflection for every server built after this point.
  static absl::once_flag reflection_once;
  absl::call_once(reflection_once,
                  grpc::reflection::InitProtoReflectionServerBuilderPlugin);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(server->options_.listen,
                           grpc::InsecureServerCredentials(), &server->port_);
  // A second server on a busy port must fail, not silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("kivi-server cannot listen on ", server->options_.listen,
                     ": malformed address, or address in use"));
  }
  server->address_ = BoundAddress(server->options_.listen, server->port_);
  return server;
}

void Server::Shutdown(absl::Duration drain) {
  server_->Shutdown(absl::ToChronoTime(absl::Now() + drain));
}

void Server::Wait() { server_->Wait(); }

}  // namespace kivi
