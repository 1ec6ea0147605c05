#ifndef KIVI_SERVER_SRC_METRICS_HTTP_H_
#define KIVI_SERVER_SRC_METRICS_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace kivi {

// kivi-server's rule for /metrics, which is plain HTTP: beyond loopback
// only with allow_insecure (the page names the backend's endpoints and
// traffic). InvalidArgument naming the address otherwise.
absl::Status CheckMetricsExposure(absl::string_view listen,
                                  bool allow_insecure);

// Serves GET /metrics over plain HTTP (cpp-httplib) on its own threads;
// every other path is 404. Each scrape calls `render` for the body.
class MetricsHttpServer {
 public:
  // Listens on `listen` ("host:port" or "[v6]:port"; port 0: any free
  // port). InvalidArgument for a malformed address, Unavailable naming it
  // when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      absl::string_view listen, std::function<std::string()> render);

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;
  // Stops listening and waits for scrapes in progress.
  ~MetricsHttpServer();

  int port() const { return port_; }

 private:
  MetricsHttpServer();

  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_METRICS_HTTP_H_
