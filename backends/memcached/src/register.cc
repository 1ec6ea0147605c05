// The "memcached" URL scheme: URL parameters -> MemcachedOptions.

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "kivi/memcached/memcached_backend.h"
#include "kivi/net/tls_params.h"
#include "kivi/status_macros.h"
#include "kivi/url.h"

namespace kivi {
namespace {

// Reads "user:password" (one line; a trailing newline is ignored).
absl::Status ReadAuthFile(const std::string& path, MemcachedOptions* options) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("auth_file \"", path, "\" cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  // Kept in a named string: `line` and `parts` view into it.
  const std::string content = text.str();
  absl::string_view line = absl::StripTrailingAsciiWhitespace(content);
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(line, absl::MaxSplits(':', 1));
  if (parts.first.empty() || line.find(':') == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "auth_file \"", path, "\" must hold one line \"user:password\""));
  }
  options->auth_user = std::string(parts.first);
  options->auth_password = std::string(parts.second);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Backend>> OpenMemcached(
    const BackendUrl& url, const ClientOptions& client, ParamReader& params) {
  MemcachedOptions options;
  if (url.authority.empty()) {
    return absl::InvalidArgumentError(
        "memcached:// needs at least one server, e.g. "
        "memcached://127.0.0.1:11211");
  }
  if (!url.path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("memcached:// takes no path, got \"/", url.path, "\""));
  }
  options.servers = absl::StrSplit(url.authority, ',');
  options.max_value_bytes = client.max_value_bytes;

  params.Duration("timeout", &options.timeout);
  params.Duration("list_timeout", &options.list_timeout);
  params.Duration("connect_timeout", &options.connect_timeout);
  params.Int("max_conns", &options.max_conns, 1, 1 << 16);
  params.Int("max_idle", &options.max_idle, 0, 1 << 16);
  params.Int("mux_conns", &options.mux_conns, 0, 64);
  params.Duration("retry_timeout", &options.retry_timeout);
  params.Int("failure_limit", &options.failure_limit, 1, 1 << 20);
  std::string hash = "ketama";
  params.String("hash", &hash);
  std::string failover = "none";
  params.String("failover", &failover);
  std::string auth_file;
  params.String("auth_file", &auth_file);
  const absl::Status tls =
      net::ReadTlsParams(params, "memcached", &options.tls);
  KIVI_RETURN_IF_ERROR(params.Finish());
  KIVI_RETURN_IF_ERROR(tls);

  if (hash != "ketama") {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter \"hash\": only \"ketama\" is supported, got \"",
                     hash, "\""));
  }
  if (failover == "none") {
    options.failover = MemcachedFailover::kNone;
  } else if (failover == "rehash") {
    options.failover = MemcachedFailover::kRehash;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter \"failover\": expected none or rehash, got \"",
                     failover, "\""));
  }
  if (!auth_file.empty()) {
    KIVI_RETURN_IF_ERROR(ReadAuthFile(auth_file, &options));
  }
  return NewMemcachedBackend(options);
}

}  // namespace

absl::Status RegisterMemcachedBackend(BackendRegistry& registry) {
  return registry.Register("memcached", OpenMemcached);
}

}  // namespace kivi
