// The "postgres" URL scheme: URL parts and parameters -> PostgresOptions.

#include <libpq-fe.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "kivi/postgres/postgres_backend.h"
#include "kivi/status_macros.h"
#include "kivi/url.h"

namespace kivi {
namespace {

// libpq keywords the URL itself or a kivi parameter stands for.
constexpr absl::string_view kOwnKeywords[] = {
    "host",     "hostaddr",        "port",       "dbname", "user",
    "password", "connect_timeout", "replication"};

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter \"password_file\": \"", path, "\" cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(text.str()));
}

// Splits "[user[:password]@]host[:port]" into libpq keywords.
absl::Status ParseAuthority(absl::string_view authority,
                            PostgresOptions* options) {
  auto& connection = options->connection;
  if (size_t at = authority.rfind('@'); at != absl::string_view::npos) {
    absl::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    absl::string_view user = userinfo;
    if (size_t colon = userinfo.find(':'); colon != absl::string_view::npos) {
      user = userinfo.substr(0, colon);
      KIVI_ASSIGN_OR_RETURN(std::string password,
                            PercentDecode(userinfo.substr(colon + 1)));
      connection.emplace_back("password", std::move(password));
    }
    KIVI_ASSIGN_OR_RETURN(std::string decoded, PercentDecode(user));
    connection.emplace_back("user", std::move(decoded));
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::ConsumePrefix(&host, "[")) {  // [IPv6]:port
    size_t close = host.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "postgres:// host \"", authority, "\" lacks its closing ']'"));
    }
    port = host.substr(close + 1);
    host = host.substr(0, close);
    if (!port.empty() && !absl::ConsumePrefix(&port, ":")) {
      return absl::InvalidArgumentError(
          absl::StrCat("postgres:// malformed host \"", authority, "\""));
    }
  } else if (size_t colon = host.rfind(':'); colon != absl::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  int number = 0;
  if (!port.empty() &&
      (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535)) {
    return absl::InvalidArgumentError(
        absl::StrCat("postgres:// port \"", port, "\" is not a port number"));
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        "postgres:// needs a host, e.g. postgres://user@127.0.0.1:5432/db");
  }
  connection.emplace_back("host", std::string(host));
  if (!port.empty()) connection.emplace_back("port", std::string(port));
  return absl::OkStatus();
}

// Passes the URL's libpq connection parameters through to libpq.
absl::Status ReadLibpqParameters(const BackendUrl& url, ParamReader& params,
                                 PostgresOptions* options) {
  absl::flat_hash_set<std::string> keywords;
  PQconninfoOption* defaults = PQconndefaults();
  if (defaults == nullptr) {
    return absl::ResourceExhaustedError("postgres: out of memory");
  }
  for (PQconninfoOption* o = defaults; o->keyword != nullptr; ++o) {
    keywords.insert(o->keyword);
  }
  PQconninfoFree(defaults);
  for (absl::string_view own : kOwnKeywords) {
    if (params.Has(own)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter \"", own, "\" is given by the URL itself (",
          "postgres://user:password@host:port/dbname) or by kivi's "
          "parameters (password_file, connect_timeout)"));
    }
    keywords.erase(own);
  }
  for (const auto& [name, unused] : url.params) {
    if (!keywords.contains(name)) continue;
    std::string value;
    params.String(name, &value);
    options->connection.emplace_back(name, std::move(value));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Backend>> OpenPostgres(
    const BackendUrl& url, const ClientOptions& client, ParamReader& params) {
  PostgresOptions options;
  options.max_value_bytes = client.max_value_bytes;
  KIVI_RETURN_IF_ERROR(ParseAuthority(url.authority, &options));
  if (!url.path.empty()) {
    KIVI_ASSIGN_OR_RETURN(std::string dbname, PercentDecode(url.path));
    options.connection.emplace_back("dbname", std::move(dbname));
  }
  params.String("table", &options.table);
  params.Duration("timeout", &options.timeout);
  params.Duration("connect_timeout", &options.connect_timeout);
  params.Int("max_conns", &options.max_conns, 1, 1 << 16);
  params.Duration("sweep_interval", &options.sweep_interval);
  std::string password_file;
  params.String("password_file", &password_file);
  KIVI_RETURN_IF_ERROR(ReadLibpqParameters(url, params, &options));
  KIVI_RETURN_IF_ERROR(params.Finish());
  if (options.timeout <= absl::ZeroDuration() ||
      options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "parameters \"timeout\" and \"connect_timeout\" must be positive");
  }
  if (!password_file.empty()) {
    for (const auto& [name, unused] : options.connection) {
      if (name == "password") {
        return absl::InvalidArgumentError(
            "parameter \"password_file\": the URL holds a password already");
      }
    }
    KIVI_ASSIGN_OR_RETURN(std::string password,
                          ReadPasswordFile(password_file));
    options.connection.emplace_back("password", std::move(password));
  }
  // Sessions show up as kivi's in pg_stat_activity unless the URL names
  // them (application_name).
  options.connection.emplace_back("fallback_application_name", "kivi");
  return NewPostgresBackend(options);
}

}  // namespace

absl::Status RegisterPostgresBackend(BackendRegistry& registry) {
  KIVI_RETURN_IF_ERROR(registry.Register("postgres", OpenPostgres));
  return registry.Register("postgresql", OpenPostgres);
}

}  // namespace kivi
