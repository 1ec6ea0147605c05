#include "kivi/host_port.h"

#include <arpa/inet.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kivi {
namespace {

constexpr size_t kMaxHostBytes = 253;

absl::Status EntryError(absl::string_view entry, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("server \"", absl::CHexEscape(entry), "\": ", rule));
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

bool ParsePort(absl::string_view text, uint16_t* out) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (const char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value < 1 || value > 65535) return false;
  *out = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view entry,
                                       uint16_t default_port) {
  if (entry.empty()) return EntryError(entry, "empty server address");
  HostPort result;
  result.port = default_port;
  absl::string_view port;
  bool has_port = false;
  if (entry.front() == '[') {
    const size_t close = entry.find(']');
    if (close == absl::string_view::npos) {
      return EntryError(entry, "'[' without a closing ']'");
    }
    result.host = std::string(entry.substr(1, close - 1));
    if (!IsIpv6Literal(result.host)) {
      return EntryError(entry, "brackets must hold an IPv6 address");
    }
    const absl::string_view after = entry.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return EntryError(entry, "expected ':port' after ']'");
      }
      port = after.substr(1);
      has_port = true;
    }
  } else {
    absl::string_view host = entry;
    const size_t colon = host.find(':');
    if (colon != absl::string_view::npos) {
      if (host.find(':', colon + 1) != absl::string_view::npos) {
        return EntryError(entry,
                          "an IPv6 address must be written in brackets, "
                          "e.g. [::1]:6379");
      }
      port = host.substr(colon + 1);
      has_port = true;
      host = host.substr(0, colon);
    }
    if (!IsHostName(host)) {
      return EntryError(entry,
                        "host must be 1..253 letters, digits, '.', '-' or '_'");
    }
    result.host = std::string(host);
  }
  if (has_port && !ParsePort(port, &result.port)) {
    return EntryError(entry, "port must be an integer in 1..65535");
  }
  return result;
}

}  // namespace kivi
