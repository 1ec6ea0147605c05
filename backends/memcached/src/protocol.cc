// Reply parsers of protocol.h.

#include "src/protocol.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "src/wire.h"

namespace kivi::memcached {
namespace {

using wire::ParseInt;
using wire::ParseUint;
using wire::Quote;
using wire::TakeLine;

using wire::Complete;
using wire::Incomplete;
using wire::Malformed;

// Splits off the first space-separated token of `*rest`; memcached writes
// single spaces, but runs of spaces are tolerated.
absl::string_view NextToken(absl::string_view* rest) {
  while (!rest->empty() && rest->front() == ' ') rest->remove_prefix(1);
  size_t end = rest->find(' ');
  if (end == absl::string_view::npos) end = rest->size();
  absl::string_view token = rest->substr(0, end);
  rest->remove_prefix(end);
  return token;
}

// The text after "<code> " for error lines ("ERROR" alone has none).
absl::string_view TextAfter(absl::string_view line, size_t code_size) {
  absl::string_view rest = line.substr(code_size);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

// Takes a data block of `size` bytes plus its "\r\n" terminator, which
// starts `offset` bytes into `in`. On kComplete, `*data` is the block and
// `consumed` counts everything up to and including the terminator.
ParseResult TakeDataBlock(absl::string_view in, size_t offset, uint64_t size,
                          absl::string_view* data) {
  const size_t available = in.size() - offset;
  if (available < 2 || available - 2 < size) return Incomplete();
  const size_t end = offset + static_cast<size_t>(size);
  if (in[end] != '\r' || in[end + 1] != '\n') {
    return Malformed(absl::StrCat("data block of ", size,
                                  " bytes is not followed by \\r\\n"));
  }
  *data = in.substr(offset, static_cast<size_t>(size));
  return Complete(end + 2);
}

// Applies one return flag of a meta reply line to `*out`.
bool ApplyReturnFlag(absl::string_view token, MetaReply* out,
                     std::string* error) {
  const char flag = token.front();
  const absl::string_view value = token.substr(1);
  const auto bad = [&](absl::string_view rule) {
    *error = absl::StrCat("return flag ", Quote(token), " ", rule);
    return false;
  };
  const auto no_value = [&]() {
    return value.empty() || bad("takes no value");
  };
  switch (flag) {
    case 'O':
      if (value.empty() || value.size() > kMaxOpaqueBytes) {
        return bad("must carry a 1..32 byte opaque token");
      }
      out->opaque = value;
      return true;
    case 'k':
      if (value.empty()) return bad("must carry the key");
      out->key = value;
      return true;
    case 'b':
      out->key_is_base64 = true;
      return no_value();
    case 'c': {
      uint64_t cas;
      if (!ParseUint(value, &cas)) return bad("is not a 64-bit CAS value");
      out->cas = cas;
      return true;
    }
    case 't': {
      int64_t ttl;
      if (!ParseInt(value, &ttl) || ttl < -1) {
        return bad("is not a TTL (seconds or -1)");
      }
      out->ttl = ttl;
      return true;
    }
    case 'f': {
      uint64_t flags;
      if (!ParseUint(value, &flags) ||
          flags > std::numeric_limits<uint32_t>::max()) {
        return bad("is not 32-bit client flags");
      }
      out->client_flags = static_cast<uint32_t>(flags);
      return true;
    }
    case 's': {
      uint64_t size;
      if (!ParseUint(value, &size)) return bad("is not a size");
      out->size = size;
      return true;
    }
    case 'l': {
      uint64_t seconds;
      if (!ParseUint(value, &seconds)) return bad("is not a number of seconds");
      out->last_access = seconds;
      return true;
    }
    case 'h':
      if (value != "0" && value != "1") return bad("must be h0 or h1");
      out->hit_before = value == "1";
      return true;
    case 'W':
      out->win = true;
      return no_value();
    case 'X':
      out->stale = true;
      return no_value();
    case 'Z':
      out->already_won = true;
      return no_value();
    default:
      if ((flag >= 'a' && flag <= 'z') || (flag >= 'A' && flag <= 'Z')) {
        return true;  // A flag this client does not know; servers add them.
      }
      return bad("does not start with a letter");
  }
}

struct CodeName {
  absl::string_view name;
  ReplyCode code;
};

constexpr CodeName kMetaCodes[] = {
    {"HD", ReplyCode::kHD},
    {"VA", ReplyCode::kVA},
    {"EN", ReplyCode::kEN},
    {"NF", ReplyCode::kNF},
    {"NS", ReplyCode::kNS},
    {"EX", ReplyCode::kEX},
    {"MN", ReplyCode::kMN},
    {"ME", ReplyCode::kME},
    {"ERROR", ReplyCode::kError},
    {"CLIENT_ERROR", ReplyCode::kClientError},
    {"SERVER_ERROR", ReplyCode::kServerError},
};

}  // namespace

absl::string_view ReplyCodeName(ReplyCode code) {
  for (const CodeName& c : kMetaCodes) {
    if (c.code == code) return c.name;
  }
  return "?";
}

ParseResult ParseMetaReply(absl::string_view in, size_t max_value_bytes,
                           MetaReply* out) {
  absl::string_view line;
  ParseResult taken = TakeLine(in, /*bare_newline_ok=*/false, &line);
  if (taken.state != ParseState::kComplete) return taken;
  absl::string_view rest = line;
  const absl::string_view code_token = NextToken(&rest);
  const CodeName* code = nullptr;
  for (const CodeName& c : kMetaCodes) {
    if (c.name == code_token) code = &c;
  }
  if (code == nullptr) {
    return Malformed(absl::StrCat("unknown meta reply ", Quote(line)));
  }
  *out = MetaReply();
  out->code = code->code;
  switch (out->code) {
    case ReplyCode::kError:
    case ReplyCode::kClientError:
    case ReplyCode::kServerError:
      out->message = TextAfter(line, code_token.size());
      return Complete(taken.consumed);
    case ReplyCode::kME:
      out->message = TextAfter(line, code_token.size());
      if (out->message.empty()) {
        return Malformed(absl::StrCat("ME reply without a key ", Quote(line)));
      }
      return Complete(taken.consumed);
    default:
      break;
  }
  uint64_t size = 0;
  if (out->code == ReplyCode::kVA) {
    const absl::string_view size_token = NextToken(&rest);
    if (!ParseUint(size_token, &size)) {
      return Malformed(
          absl::StrCat("VA reply without a valid size ", Quote(line)));
    }
    if (size > max_value_bytes) {
      return Malformed(absl::StrCat("VA value of ", size,
                                    " bytes exceeds the limit of ",
                                    max_value_bytes));
    }
  }
  std::string error;
  for (absl::string_view token = NextToken(&rest); !token.empty();
       token = NextToken(&rest)) {
    if (!ApplyReturnFlag(token, out, &error)) {
      return Malformed(absl::StrCat(error, " in ", Quote(line)));
    }
  }
  if (out->code != ReplyCode::kVA) return Complete(taken.consumed);
  return TakeDataBlock(in, taken.consumed, size, &out->value);
}

ParseResult ParseTextReply(absl::string_view in, size_t max_value_bytes,
                           TextReply* out) {
  absl::string_view line;
  ParseResult taken = TakeLine(in, /*bare_newline_ok=*/false, &line);
  if (taken.state != ParseState::kComplete) return taken;
  *out = TextReply();
  absl::string_view rest = line;
  const absl::string_view word = NextToken(&rest);
  const auto exact = [&](TextReplyKind kind) {
    if (word.size() != line.size()) {
      return Malformed(
          absl::StrCat("unexpected text after ", word, " in ", Quote(line)));
    }
    out->kind = kind;
    return Complete(taken.consumed);
  };
  const auto with_text = [&](TextReplyKind kind) {
    out->kind = kind;
    out->text = TextAfter(line, word.size());
    return Complete(taken.consumed);
  };
  if (word == "VALUE") {
    out->kind = TextReplyKind::kValue;
    out->key = NextToken(&rest);
    const absl::string_view flags = NextToken(&rest);
    const absl::string_view bytes = NextToken(&rest);
    const absl::string_view cas = NextToken(&rest);
    uint64_t flags_value = 0;
    uint64_t size = 0;
    uint64_t cas_value = 0;
    if (out->key.empty() || !ParseUint(flags, &flags_value) ||
        flags_value > std::numeric_limits<uint32_t>::max() ||
        !ParseUint(bytes, &size) ||
        (!cas.empty() && !ParseUint(cas, &cas_value)) ||
        !NextToken(&rest).empty()) {
      return Malformed(absl::StrCat(
          "VALUE line is not \"VALUE <key> <flags> <bytes> [<cas>]\": ",
          Quote(line)));
    }
    if (size > max_value_bytes) {
      return Malformed(absl::StrCat(
          "VALUE of ", size, " bytes exceeds the limit of ", max_value_bytes));
    }
    out->client_flags = static_cast<uint32_t>(flags_value);
    if (!cas.empty()) out->cas = cas_value;
    return TakeDataBlock(in, taken.consumed, size, &out->data);
  }
  if (word == "END") return exact(TextReplyKind::kEnd);
  if (word == "OK") return exact(TextReplyKind::kOk);
  if (word == "STORED") return exact(TextReplyKind::kStored);
  if (word == "STAT") {
    out->kind = TextReplyKind::kStat;
    out->name = NextToken(&rest);
    if (out->name.empty()) {
      return Malformed(absl::StrCat("STAT line without a name ", Quote(line)));
    }
    if (!rest.empty()) rest.remove_prefix(1);
    out->text = rest;
    return Complete(taken.consumed);
  }
  if (word == "VERSION") return with_text(TextReplyKind::kVersion);
  if (word == "ERROR") return with_text(TextReplyKind::kError);
  if (word == "CLIENT_ERROR") return with_text(TextReplyKind::kClientError);
  if (word == "SERVER_ERROR") return with_text(TextReplyKind::kServerError);
  return Malformed(absl::StrCat("unknown reply ", Quote(line)));
}

}  // namespace kivi::memcached
