#ifndef KIVI_SERVER_SERVER_H_
#define KIVI_SERVER_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kivi/health/checker.h"
#include "kivi/key_rules.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace kivi {

class BearerTokenAuth;
class Client;
class HealthService;
class KeyValueService;
class MetricsHttpServer;
class ServerMetrics;
namespace observability {
class MetricsObserver;
}  // namespace observability

// TLS for kivi-server. Empty files: plaintext.
struct ServerTlsOptions {
  // PEM files with the server's certificate chain and its private key.
  // Both or neither.
  std::string cert_file;
  std::string key_file;
  // PEM file with the CAs whose client certificates are accepted. Set: every
  // client must present a certificate signed by one of them (mTLS), or its
  // TLS handshake fails. Needs cert_file and key_file.
  std::string client_ca_file;
};

// What kivi-server accepts in one call. A call over a limit is refused
// before it reaches the backend, and the server goes on serving others.
struct ServerLimits {
  // Largest request message, in bytes. Larger: ResourceExhausted (gRPC's own
  // check, before the request is parsed). 64 MiB admits a batch of dozens of
  // maximal values; gRPC's default of 4 MiB would not.
  size_t max_message_bytes = size_t{64} << 20;
  // Most keys in a BatchGet or BatchDelete, entries in a BatchSet. More:
  // InvalidArgument naming the count and the limit.
  size_t max_batch_keys = 1000;
  // Largest value in any write (Set, Add, Replace, CompareAndSet, Append,
  // Prepend, each BatchSet entry). Larger: InvalidArgument naming the key,
  // the size and the limit. The backend's own max_value_bytes applies too;
  // the default is the same on both, so by default nothing changes.
  size_t max_value_bytes = kDefaultMaxValueBytes;
  // Longest backend probe a kivi.v1.KeyValue Health call may ask for; a
  // longer timeout is cut to this. A probe holds a thread of the backend
  // client's executor (and, while it lasts, SIGTERM's exit) for its timeout,
  // so a caller must not choose an hour; calls that arrive while a probe
  // with the same timeout is in flight share its report. 5 s is above any sensible probe deadline (the
  // health checker's default is 1 s) and below a pod's grace period.
  absl::Duration max_health_timeout = absl::Seconds(5);
};

// How kivi-server listens, whom it lets in, and what it serves.
struct ServerOptions {
  // host:port to listen on. Port 0 picks a free port (see Server::port()).
  // Loopback by default: exposing the store is an explicit choice.
  std::string listen = "127.0.0.1:7070";
  // The backend every call is served from, as for kivi::Open().
  std::string backend_url = "memory://";
  ServerTlsOptions tls;
  // File holding the bearer token every kivi.v1.KeyValue call must carry
  // ("authorization: Bearer <token>"); surrounding whitespace is ignored.
  // Empty: no token. The health and reflection services never need it, so
  // probes hold no secret (they reveal the serving status and the public
  // schema, nothing stored).
  std::string auth_token_file;
  // Listening beyond loopback needs TLS and a way to tell clients apart (a
  // token or client certificates); without them Start refuses, unless this
  // is set (e.g. TLS is terminated by a sidecar).
  bool allow_insecure = false;
  // How the backend is probed for grpc.health.v1.
  HealthCheckerOptions health;
  ServerLimits limits;
  // host:port serving GET /metrics (Prometheus text, plain HTTP); port 0
  // picks a free port (see Server::metrics_port()). Empty: no /metrics.
  // Beyond loopback only with allow_insecure, as the page has no TLS.
  std::string metrics_listen;
};

// A running kivi-server: the kivi.v1.KeyValue gRPC service over one
// kivi::Client, grpc.health.v1 (Check and Watch) and gRPC server reflection.
// Status codes pass through 1:1 (absl::StatusCode -> grpc::StatusCode) with
// their messages.
//
// kivi.v1.KeyValue is served on gRPC's callback API through the Client's
// asynchronous calls: a call waiting on a slow store holds no server thread
// (it is finished from the Client's callback), so calls in flight are not
// bounded by threads. On a backend without native asynchronous calls, the
// Client's bounded executor runs them (kivi/executor.h).
//
// Health: a HealthChecker probes the backend every options.health.interval;
// its verdict is the status of both "" and "kivi.v1.KeyValue". The server
// starts NOT_SERVING and turns SERVING after the first good probe(s); after
// failure_threshold failed probes in a row it is NOT_SERVING until
// success_threshold good ones. Calls are served either way: the status
// tells orchestrators where to send traffic, it does not refuse any.
//
// Thread-safe. Destroying a Server that was not shut down shuts it down
// with no drain, cancelling calls in flight.
class Server {
 public:
  // Reads the TLS and token files, opens the backend and starts serving on
  // options.listen. Errors, each naming what is wrong:
  // - InvalidArgument: inconsistent options (a TLS file without its pair,
  //   a client CA without TLS, a limit or health option out of range), a
  //   file that is not what it should be (not PEM, a key that does not
  //   match the certificate, an empty token), or a non-loopback address
  //   without TLS and a token/client CA while allow_insecure is false;
  // - NotFound / PermissionDenied / FailedPrecondition: a file that cannot
  //   be read, with the system's reason;
  // - the backend's error from kivi::Open, with the URL named;
  // - Unavailable naming the address when it cannot be listened on
  //   (malformed, or in use: the port is not shared with another process);
  //   the same for metrics_listen, and InvalidArgument when it is beyond
  //   loopback without allow_insecure.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // The port actually bound, useful when listening on port 0.
  int port() const { return port_; }
  // The address actually bound, e.g. "127.0.0.1:41234".
  const std::string& address() const { return address_; }
  const ServerOptions& options() const { return options_; }
  // The checker behind grpc.health.v1 (for its last report).
  const HealthChecker& health_checker() const { return *checker_; }
  // The port serving /metrics; 0 without options.metrics_listen.
  int metrics_port() const { return metrics_port_; }

  // Turns every health status NOT_SERVING for good (Watch streams are told
  // at once; later probe results change nothing) while calls are still
  // served, so that probes and load balancers stop sending traffic before
  // the server stops accepting it. Idempotent.
  void DeclareNotServing();
  // DeclareNotServing(), then stops accepting calls, ends Watch streams
  // (which would otherwise hold the drain to its end), lets calls in flight
  // finish for up to `drain`, then cancels what remains. Returns when no
  // call is running. Later calls do nothing.
  void Shutdown(absl::Duration drain);
  // Blocks until the server has been shut down (by another thread).
  void Wait();

 private:
  Server(ServerOptions options, std::unique_ptr<Client> client);
  // The /metrics page: server, health, client and endpoint metrics.
  std::string RenderMetrics() const;

  const ServerOptions options_;
  int port_ = 0;
  int metrics_port_ = 0;
  std::string address_;
  // The client's observer (the client holds it too) and the server's own
  // counters, which the interceptors of server_ report to.
  std::shared_ptr<observability::MetricsObserver> client_metrics_;
  std::unique_ptr<ServerMetrics> metrics_;
  // Destroyed in reverse order: the checker stops probing first, then the
  // gRPC server stops before the services and the client they call go away.
  std::unique_ptr<Client> client_;
  std::unique_ptr<BearerTokenAuth> auth_;
  std::unique_ptr<KeyValueService> service_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HealthChecker> checker_;
  // Stopped first: a scrape reads everything above.
  std::unique_ptr<MetricsHttpServer> metrics_http_;
};

}  // namespace kivi

#endif  // KIVI_SERVER_SERVER_H_
