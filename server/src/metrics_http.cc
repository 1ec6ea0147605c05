#include "src/metrics_http.h"

#include <sys/socket.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "kivi/observability/prometheus_text.h"
#include "src/exposure.h"

namespace kivi {
namespace {

// Scrapes are rare and small; two threads leave room for a slow scraper.
constexpr size_t kHttpThreads = 2;

struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> ParseListen(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics_listen \"", listen, "\" is not host:port (port 0..65535)"));
  }
  absl::string_view host = listen.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics_listen \"", listen, "\" has no host"));
  }
  return HostPort{std::string(host), port};
}

}  // namespace

absl::Status CheckMetricsExposure(absl::string_view listen,
                                  bool allow_insecure) {
  if (allow_insecure || IsLocalOnly(listen)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("kivi-server refuses to serve /metrics on ", listen,
                   " (beyond loopback) over plain HTTP; set allow_insecure "
                   "(--allow_insecure) if the network is otherwise protected"));
}

MetricsHttpServer::MetricsHttpServer()
    : http_(std::make_unique<httplib::Server>()) {}

MetricsHttpServer::~MetricsHttpServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view listen, std::function<std::string()> render) {
  absl::StatusOr<HostPort> address = ParseListen(listen);
  if (!address.ok()) return address.status();
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer);
  httplib::Server& http = *server->http_;
  http.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  // httplib's default sets SO_REUSEPORT, which would let a second server
  // share the port silently; SO_REUSEADDR only allows a quick restart.
  http.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http.Get("/metrics", [render = std::move(render)](const httplib::Request&,
                                                    httplib::Response& res) {
    res.set_content(render(),
                    std::string(observability::kPrometheusContentType));
  });
  if (address->port == 0) {
    server->port_ = http.bind_to_any_port(address->host);
  } else if (http.bind_to_port(address->host, address->port)) {
    server->port_ = address->port;
  }
  if (server->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("kivi-server cannot serve /metrics on ", listen,
                     ": unknown host, or address in use"));
  }
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  return server;
}

}  // namespace kivi
