#include "src/exposure.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kivi/host_port.h"

namespace kivi {
namespace {

// The host part of "host:port" or "[host]:port", without brackets.
absl::string_view HostOf(absl::string_view listen) {
  if (absl::StartsWith(listen, "[")) {
    const size_t close = listen.find(']');
    return close == absl::string_view::npos ? listen
                                            : listen.substr(1, close - 1);
  }
  const size_t colon = listen.rfind(':');
  return colon == absl::string_view::npos ? listen : listen.substr(0, colon);
}

}  // namespace

bool IsLocalOnly(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:") ||
      absl::StartsWith(listen, "unix-abstract:")) {
    return true;
  }
  const std::string host(HostOf(listen));
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 &&
         IN6_IS_ADDR_LOOPBACK(&v6);
}

absl::Status CheckListenAddress(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:") ||
      absl::StartsWith(listen, "unix-abstract:")) {
    return absl::OkStatus();
  }
  return ParseHostPort(listen, "listen address", {.min_port = 0}).status();
}

absl::Status CheckExposure(const ServerOptions& options) {
  if (options.allow_insecure || IsLocalOnly(options.listen)) {
    return absl::OkStatus();
  }
  std::vector<std::string> missing;
  if (options.tls.cert_file.empty()) {
    missing.push_back("TLS (tls_cert and tls_key)");
  }
  if (options.auth_token_file.empty() && options.tls.client_ca_file.empty()) {
    missing.push_back(
        "client authentication (auth_token_file or tls_client_ca)");
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "kivi-server refuses to listen on ", options.listen,
      " (beyond loopback) without ", absl::StrJoin(missing, " and "),
      "; set allow_insecure (--allow_insecure) if the network is otherwise "
      "protected"));
}

}  // namespace kivi
