// The "redis", "rediss" and "redis+cluster" URL schemes: URL -> RedisOptions.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "kivi/net/tls_params.h"
#include "kivi/redis/redis_backend.h"
#include "kivi/status_macros.h"
#include "kivi/url.h"

namespace kivi {
namespace {

absl::Status ReadPasswordFile(const std::string& path, std::string* password) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("password_file \"", path, "\" cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  *password = std::string(absl::StripTrailingAsciiWhitespace(content));
  if (password->empty() || password->find('\n') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password_file \"", path, "\" must hold one non-empty line"));
  }
  return absl::OkStatus();
}

// Parses "[user[:password]@]rest" off the authority.
void TakeUserInfo(absl::string_view* authority, RedisOptions* options) {
  const size_t at = authority->rfind('@');
  if (at == absl::string_view::npos) return;
  const absl::string_view info = authority->substr(0, at);
  authority->remove_prefix(at + 1);
  const size_t colon = info.find(':');
  options->user = std::string(info.substr(0, colon));
  if (colon != absl::string_view::npos) {
    options->password = std::string(info.substr(colon + 1));
  }
}

absl::StatusOr<std::unique_ptr<Backend>> OpenRedis(const BackendUrl& url,
                                                   const ClientOptions& client,
                                                   ParamReader& params) {
  RedisOptions options;
  options.cluster = url.scheme == "redis+cluster";
  options.tls.enabled = url.scheme == "rediss";
  const std::string scheme = absl::StrCat(url.scheme, "://");
  absl::string_view authority = url.authority;
  TakeUserInfo(&authority, &options);
  if (authority.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        scheme, " needs a server, e.g. ", scheme, "127.0.0.1:6379"));
  }
  options.nodes = absl::StrSplit(authority, ',');
  if (!options.cluster && options.nodes.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        scheme, " takes one server; use redis+cluster:// for a cluster"));
  }
  if (!url.path.empty()) {
    if (options.cluster) {
      return absl::InvalidArgumentError(absl::StrCat(
          scheme, " takes no database path (a cluster has only db 0), got \"/",
          url.path, "\""));
    }
    if (!absl::SimpleAtoi(url.path, &options.db) || options.db < 0 ||
        url.path.find_first_not_of("0123456789") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          scheme, " database must be a number, got \"/", url.path, "\""));
    }
  }
  options.max_value_bytes = client.max_value_bytes;

  params.Duration("timeout", &options.timeout);
  params.Duration("list_timeout", &options.list_timeout);
  params.Duration("connect_timeout", &options.connect_timeout);
  params.Int("max_conns", &options.max_conns, 1, 1 << 16);
  params.Int("max_idle", &options.max_idle, 0, 1 << 16);
  params.Int("mux_conns", &options.mux_conns, 0, 64);
  params.Duration("retry_timeout", &options.retry_timeout);
  params.Int("failure_limit", &options.failure_limit, 1, 1 << 20);
  std::string password_file;
  params.String("password_file", &password_file);
  KIVI_RETURN_IF_ERROR(net::ReadTlsParams(params, url.scheme, &options.tls));
  if (url.scheme == "rediss" && !options.tls.enabled) {
    return absl::InvalidArgumentError(
        "rediss:// means TLS; use redis:// for plaintext, not tls=0");
  }
  params.Duration("lock_ttl", &options.lock_ttl);
  params.Duration("lock_wait", &options.lock_wait);
  KIVI_RETURN_IF_ERROR(params.Finish());

  if (!password_file.empty()) {
    if (!options.password.empty()) {
      return absl::InvalidArgumentError(
          "password_file and a password in the URL exclude each other");
    }
    KIVI_RETURN_IF_ERROR(ReadPasswordFile(password_file, &options.password));
  }
  return NewRedisBackend(options);
}

}  // namespace

absl::Status RegisterRedisBackend(BackendRegistry& registry) {
  KIVI_RETURN_IF_ERROR(registry.Register("redis", OpenRedis));
  KIVI_RETURN_IF_ERROR(registry.Register("rediss", OpenRedis));
  return registry.Register("redis+cluster", OpenRedis);
}

}  // namespace kivi
