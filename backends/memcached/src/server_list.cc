#include "src/server_list.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "kivi/host_port.h"

namespace kivi::memcached {
namespace {

constexpr uint64_t kMaxWeight = 1000000;

absl::Status EntryError(absl::string_view entry, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(
      "memcached server \"", absl::CHexEscape(entry), "\": ", rule));
}

// Decimal digits only, in [min, max].
bool ParseBounded(absl::string_view text, uint64_t min, uint64_t max,
                  uint64_t* out) {
  if (text.empty() || text.size() > 7) return false;
  uint64_t value = 0;
  for (const char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

absl::StatusOr<ServerAddress> ParseEntry(absl::string_view entry) {
  if (entry.empty()) return EntryError(entry, "empty entry in server list");
  ServerAddress server;
  absl::string_view rest = entry;
  const size_t star = rest.rfind('*');
  if (star != absl::string_view::npos) {
    uint64_t weight;
    if (!ParseBounded(rest.substr(star + 1), 1, kMaxWeight, &weight)) {
      return EntryError(entry, absl::StrCat("weight after '*' must be an "
                                            "integer in 1..",
                                            kMaxWeight));
    }
    server.weight = static_cast<uint32_t>(weight);
    rest = rest.substr(0, star);
  }
  // The address as every URL reads one.
  absl::StatusOr<HostPort> address =
      ParseHostPort(rest,
                    absl::StrCat("memcached server \"", absl::CHexEscape(entry),
                                 "\": address"),
                    {.default_port = kDefaultPort});
  if (!address.ok()) return address.status();
  server.host = std::move(address->host);
  server.port = address->port;
  return server;
}

}  // namespace

std::string ServerAddress::ToString() const {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<std::vector<ServerAddress>> ParseServerList(
    absl::string_view authority) {
  if (authority.empty()) {
    return absl::InvalidArgumentError(
        "memcached server list is empty: expected host[:port][*weight],...");
  }
  std::vector<ServerAddress> servers;
  for (const absl::string_view entry : absl::StrSplit(authority, ',')) {
    absl::StatusOr<ServerAddress> server = ParseEntry(entry);
    if (!server.ok()) return server.status();
    for (const ServerAddress& seen : servers) {
      if (absl::EqualsIgnoreCase(seen.host, server->host) &&
          seen.port == server->port) {
        return EntryError(entry, absl::StrCat("server ", server->ToString(),
                                              " is listed twice"));
      }
    }
    servers.push_back(*std::move(server));
  }
  return servers;
}

}  // namespace kivi::memcached
