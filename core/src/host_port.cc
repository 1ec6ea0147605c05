#include "kivi/host_port.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace kivi {
namespace {

absl::Status Malformed(absl::string_view what, absl::string_view text,
                       absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " \"", absl::CHexEscape(text), "\": ", rule));
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
                                       uint16_t min_port) {
  HostPort address;
  absl::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos || close == 1) {
      return Malformed(what, text, "expected [ipv6]:port");
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return Malformed(what, text, "expected :port after ']'");
    }
    address.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.find(':');
    if (colon == absl::string_view::npos) {
      return Malformed(what, text, "expected host:port (no port given)");
    }
    if (text.find(':', colon + 1) != absl::string_view::npos) {
      return Malformed(what, text,
                       "an IPv6 address must be written in brackets, e.g. "
                       "[::1]:7070");
    }
    if (colon == 0)
      return Malformed(what, text, "expected host:port (no host)");
    address.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  absl::StatusOr<uint16_t> number = ParsePort(port, what, min_port);
  if (!number.ok()) {
    return Malformed(
        what, text,
        absl::StrCat("port must be an integer in ", min_port, "..65535"));
  }
  address.port = *number;
  return address;
}

}  // namespace kivi
