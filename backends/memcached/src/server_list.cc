#include "src/server_list.h"

#include <arpa/inet.h>

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
constexpr size_t kMaxHostBytes = 253;

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

bool IsHostName(absl::string_view host) {
  if (host.empty() || host.size() > kMaxHostBytes) return false;
  for (const char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsIpv6Literal(absl::string_view host) {
  if (host.empty() || host.size() >= INET6_ADDRSTRLEN) return false;
  const std::string text(host);
  in6_addr address;
  return inet_pton(AF_INET6, text.c_str(), &address) == 1;
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
  absl::string_view port;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) {
      return EntryError(entry, "'[' without a closing ']'");
    }
    server.host = std::string(rest.substr(1, close - 1));
    if (!IsIpv6Literal(server.host)) {
      return EntryError(entry, "brackets must hold an IPv6 address");
    }
    const absl::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return EntryError(entry, "expected ':port' after ']'");
      }
      port = after.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = rest.find(':');
    if (colon != absl::string_view::npos) {
      if (rest.find(':', colon + 1) != absl::string_view::npos) {
        return EntryError(entry,
                          "an IPv6 address must be written in brackets, "
                          "e.g. [::1]:11211");
      }
      port = rest.substr(colon + 1);
      has_port = true;
      rest = rest.substr(0, colon);
    }
    if (!IsHostName(rest)) {
      return EntryError(entry,
                        "host must be 1..253 letters, digits, '.', '-' or '_'");
    }
    server.host = std::string(rest);
  }
  if (has_port) {
    absl::StatusOr<uint16_t> number = ParsePort(port, "port");
    if (!number.ok()) {
      return EntryError(entry, "port must be an integer in 1..65535");
    }
    server.port = *number;
  }
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
