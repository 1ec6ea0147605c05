#include "src/metadump.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/protocol.h"
#include "src/wire.h"

namespace kivi::memcached {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ParseResult ParseItem(absl::string_view line, size_t consumed,
                      MetadumpItem* item) {
  bool has_key = false;
  bool has_exp = false;
  absl::string_view rest = line;
  while (!rest.empty()) {
    size_t end = rest.find(' ');
    if (end == absl::string_view::npos) end = rest.size();
    const absl::string_view field = rest.substr(0, end);
    rest.remove_prefix(end < rest.size() ? end + 1 : end);
    if (field.empty()) continue;
    const size_t eq = field.find('=');
    if (eq == absl::string_view::npos) {
      return wire::Malformed(absl::StrCat("metadump field ", wire::Quote(field),
                                          " has no '=' in ",
                                          wire::Quote(line)));
    }
    const absl::string_view name = field.substr(0, eq);
    const absl::string_view value = field.substr(eq + 1);
    if (name == "key") {
      absl::StatusOr<std::string> key = UrlDecodeKey(value);
      if (!key.ok() || key->empty()) {
        return wire::Malformed(
            absl::StrCat("metadump key is not a URL-encoded key: ",
                         key.ok() ? "empty" : key.status().message(), " in ",
                         wire::Quote(line)));
      }
      item->key = *std::move(key);
      has_key = true;
    } else if (name == "exp") {
      int64_t exp;
      if (!wire::ParseInt(value, &exp) || exp < -1) {
        return wire::Malformed(absl::StrCat(
            "metadump exp is not a unix time or -1 in ", wire::Quote(line)));
      }
      item->expires = exp == -1
                          ? absl::nullopt
                          : absl::make_optional(absl::FromUnixSeconds(exp));
      has_exp = true;
    }
  }
  if (!has_key || !has_exp) {
    return wire::Malformed(absl::StrCat("metadump line without key= and exp= ",
                                        wire::Quote(line)));
  }
  return wire::Complete(consumed);
}

bool StartsWithWord(absl::string_view line, absl::string_view word) {
  return line.substr(0, word.size()) == word &&
         (line.size() == word.size() || line[word.size()] == ' ');
}

}  // namespace

absl::StatusOr<std::string> UrlDecodeKey(absl::string_view encoded) {
  std::string decoded;
  decoded.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      decoded.push_back(encoded[i]);
      continue;
    }
    if (encoded.size() - i < 3 || HexValue(encoded[i + 1]) < 0 ||
        HexValue(encoded[i + 2]) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad escape at byte ", i, " of ", wire::Quote(encoded),
                       ": '%' must be followed by two hex digits"));
    }
    decoded.push_back(static_cast<char>(HexValue(encoded[i + 1]) * 16 +
                                        HexValue(encoded[i + 2])));
    i += 2;
  }
  return decoded;
}

ParseResult ParseMetadumpLine(absl::string_view in, MetadumpLine* out) {
  absl::string_view line;
  ParseResult taken = wire::TakeLine(in, /*bare_newline_ok=*/true, &line);
  if (taken.state != ParseState::kComplete) return taken;
  *out = MetadumpLine();
  if (line.substr(0, 4) == "key=") {
    out->kind = MetadumpLineKind::kItem;
    return ParseItem(line, taken.consumed, &out->item);
  }
  out->message = line;
  if (line == "END") {
    out->kind = MetadumpLineKind::kEnd;
  } else if (line == "ERROR" || line == "ERROR metadump not allowed" ||
             line == "CLIENT_ERROR lru crawler disabled") {
    out->kind = MetadumpLineKind::kDisabled;
  } else if (StartsWithWord(line, "BUSY")) {
    out->kind = MetadumpLineKind::kBusy;
  } else if (StartsWithWord(line, "ERROR") ||
             StartsWithWord(line, "CLIENT_ERROR") ||
             StartsWithWord(line, "SERVER_ERROR")) {
    out->kind = MetadumpLineKind::kError;
  } else {
    return wire::Malformed(
        absl::StrCat("unexpected metadump line ", wire::Quote(line)));
  }
  return taken;
}

}  // namespace kivi::memcached
