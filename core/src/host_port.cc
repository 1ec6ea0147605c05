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

absl::Status Malformed(absl::string_view what, absl::string_view text,
                       absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " \"", absl::CHexEscape(text), "\": ", rule));
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

}  // namespace

absl::StatusOr<uint16_t> ParsePort(absl::string_view text,
                                   absl::string_view what, uint16_t min_port) {
  const std::string rule =
      absl::StrCat("port must be an integer in ", min_port, "..65535");
  // Six digits already exceed 65535 whatever they are; stop before any
  // arithmetic could wrap.
  if (text.empty() || text.size() > 5) return Malformed(what, text, rule);
  uint32_t value = 0;
  for (const char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Malformed(what, text, rule);
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value < min_port || value > 65535) return Malformed(what, text, rule);
  return static_cast<uint16_t>(value);
}

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       absl::string_view what,
                                       HostPortRules rules) {
  HostPort address;
  absl::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      return Malformed(what, text, "'[' without a closing ']'");
    }
    address.host = std::string(text.substr(1, close - 1));
    if (!IsIpv6Literal(address.host)) {
      return Malformed(what, text, "brackets must hold an IPv6 address");
    }
    const absl::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Malformed(what, text, "expected ':port' after ']'");
      }
      port = after.substr(1);
      has_port = true;
    }
  } else {
    absl::string_view host = text;
    const size_t colon = host.find(':');
    if (colon != absl::string_view::npos) {
      if (host.find(':', colon + 1) != absl::string_view::npos) {
        return Malformed(what, text,
                         "an IPv6 address must be written in brackets, "
                         "e.g. [::1]:7070");
      }
      port = host.substr(colon + 1);
      has_port = true;
      host = host.substr(0, colon);
    }
    if (!IsHostName(host)) {
      return Malformed(what, text,
                       "host must be 1..253 letters, digits, '.', '-' or '_'");
    }
    address.host = std::string(host);
  }
  if (!has_port) {
    if (rules.default_port == 0) {
      return Malformed(what, text, "expected host:port (no port given)");
    }
    address.port = rules.default_port;
    return address;
  }
  absl::StatusOr<uint16_t> number = ParsePort(port, what, rules.min_port);
  if (!number.ok()) {
    return Malformed(
        what, text,
        absl::StrCat("port must be an integer in ", rules.min_port, "..65535"));
  }
  address.port = *number;
  return address;
}

}  // namespace kivi
