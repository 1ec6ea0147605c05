#ifndef KIVI_SERVER_SERVER_H_
#define KIVI_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace kivi {

class Client;
class KeyValueService;

// How kivi-server listens and what it serves.
struct ServerOptions {
  // host:port to listen on. Port 0 picks a free port (see Server::port()).
  // Loopback by default: exposing the store is an explicit choice.
  std::string listen = "127.0.0.1:7070";
  // The backend every call is served from, as for kivi::Open().
  std::string backend_url = "memory://";
};

// A running kivi-server: the kivi.v1.KeyValue gRPC service over one
// kivi::Client, plus gRPC server reflection. Status codes pass through 1:1
// (absl::StatusCode -> grpc::StatusCode) with their messages.
//
// Thread-safe. Destroying a Server that was not shut down shuts it down
// immediately, cancelling calls in flight.
class Server {
 public:
  // Opens the backend and starts serving on options.listen.
  // Errors: the backend's error from kivi::Open (e.g. InvalidArgument for a
  // malformed URL), with the URL named; Unavailable naming the address when
  // it cannot be listened on (malformed, or in use: the port is not shared
  // with another process).
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // The port actually bound, useful when listening on port 0.
  int port() const { return port_; }
  // The address actually bound, e.g. "127.0.0.1:41234".
  const std::string& address() const { return address_; }
  const ServerOptions& options() const { return options_; }

  // Stops accepting calls, lets calls in flight finish for up to `drain`,
  // then cancels what remains. Returns when no call is running. Later calls
  // do nothing.
  void Shutdown(absl::Duration drain);
  // Blocks until the server has been shut down (by another thread).
  void Wait();

 private:
  Server(ServerOptions options, std::unique_ptr<Client> client);

  const ServerOptions options_;
  int port_ = 0;
  std::string address_;
  // Destroyed in reverse order: the gRPC server stops before the service
  // and the client it calls go away.
  std::unique_ptr<Client> client_;
  std::unique_ptr<KeyValueService> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace kivi

#endif  // KIVI_SERVER_SERVER_H_
