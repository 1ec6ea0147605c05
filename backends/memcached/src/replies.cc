#include "src/replies.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kivi/key_rules.h"

namespace kivi::memcached {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The bytes a key in a reply line may hold: all but space, control bytes
// and DEL (what ParseTextReply's line and token rules leave).
constexpr struct KeyBytes {
  bool ok[256] = {};
  constexpr KeyBytes() {
    for (int c = 0x21; c < 256; ++c) ok[c] = c != 0x7f;
  }
} kKeyBytes;

}  // namespace

bool ParseCommonMetaReply(absl::string_view in, size_t max_value_bytes,
                          MetaReply* out, ParseResult* result) {
  const char* p = in.data();
  const char* const end = p + in.size();
  if (end - p < 4) return false;
  ReplyCode code;
  switch (p[0] << 8 | p[1]) {
    case 'H' << 8 | 'D':
      code = ReplyCode::kHD;
      break;
    case 'V' << 8 | 'A':
      code = ReplyCode::kVA;
      break;
    case 'E' << 8 | 'N':
      code = ReplyCode::kEN;
      break;
    case 'N' << 8 | 'F':
      code = ReplyCode::kNF;
      break;
    case 'N' << 8 | 'S':
      code = ReplyCode::kNS;
      break;
    case 'E' << 8 | 'X':
      code = ReplyCode::kEX;
      break;
    default:
      return false;
  }
  p += 2;
  uint64_t size = 0;
  if (code == ReplyCode::kVA) {
    if (p == end || *p++ != ' ') return false;
    const char* digits = p;
    // Ten digits bound the number well below overflow; larger sizes are
    // refused by ParseMetaReply.
    while (p < end && IsDigit(*p) && p - digits < 10) {
      size = size * 10 + static_cast<uint64_t>(*p++ - '0');
    }
    if (p == digits || size > max_value_bytes) return false;
  }
  absl::string_view opaque;
  if (p < end && *p == ' ') {
    if (end - p < 2 || p[1] != 'O') return false;
    p += 2;
    const char* token = p;
    while (p < end && IsDigit(*p)) ++p;
    if (p == token || static_cast<size_t>(p - token) > kMaxOpaqueBytes) {
      return false;
    }
    opaque = absl::string_view(token, static_cast<size_t>(p - token));
  }
  if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return false;
  p += 2;
  const size_t line = static_cast<size_t>(p - in.data());
  absl::string_view value;
  if (code == ReplyCode::kVA) {
    if (in.size() - line < size + 2) {
      *result = ParseResult();  // kIncomplete: the block has not all come.
      return true;
    }
    if (in[line + size] != '\r' || in[line + size + 1] != '\n') return false;
    value = in.substr(line, size);
  }
  *out = MetaReply();
  out->code = code;
  out->value = value;
  out->opaque = opaque;
  result->state = ParseState::kComplete;
  result->consumed = code == ReplyCode::kVA ? line + size + 2 : line;
  return true;
}

bool ParseCommonTextReply(absl::string_view in, size_t max_value_bytes,
                          TextReply* out, ParseResult* result) {
  constexpr absl::string_view kEnd = "END\r\n";
  constexpr absl::string_view kValue = "VALUE ";
  if (in.substr(0, kEnd.size()) == kEnd) {
    *out = TextReply();
    out->kind = TextReplyKind::kEnd;
    result->state = ParseState::kComplete;
    result->consumed = kEnd.size();
    return true;
  }
  if (in.substr(0, kValue.size()) != kValue) return false;
  const char* const begin = in.data();
  // Within the longest line ParseTextReply accepts, so that a line it
  // would refuse as too long is never taken here.
  const char* const end = begin + std::min(in.size(), kMaxLineBytes + 2);
  const char* p = begin + kValue.size();
  const char* const key = p;
  while (p < end && kKeyBytes.ok[static_cast<unsigned char>(*p)]) ++p;
  if (p == key || p == end || *p != ' ') return false;
  const absl::string_view key_view(key, static_cast<size_t>(p - key));
  uint64_t numbers[2] = {0, 0};  // <flags> <bytes>
  for (uint64_t& number : numbers) {
    if (*p++ != ' ') return false;
    const char* digits = p;
    while (p < end && IsDigit(*p) && p - digits < 10) {
      number = number * 10 + static_cast<uint64_t>(*p++ - '0');
    }
    if (p == digits || p == end) return false;
  }
  const uint64_t flags = numbers[0];
  const uint64_t size = numbers[1];
  if (flags > std::numeric_limits<uint32_t>::max() || size > max_value_bytes ||
      end - p < 2 || p[0] != '\r' || p[1] != '\n') {
    return false;
  }
  const size_t line = static_cast<size_t>(p + 2 - begin);
  if (in.size() - line < size + 2) {
    *result = ParseResult();  // kIncomplete: the block has not all come.
    return true;
  }
  if (in[line + size] != '\r' || in[line + size + 1] != '\n') return false;
  *out = TextReply();
  out->kind = TextReplyKind::kValue;
  out->key = key_view;
  out->client_flags = static_cast<uint32_t>(flags);
  out->data = in.substr(line, size);
  result->state = ParseState::kComplete;
  result->consumed = line + size + 2;
  return true;
}

absl::StatusOr<bool> MetaReplyReader::Consume(absl::string_view in,
                                              size_t* consumed) {
  size_t offset = 0;
  for (size_t i = 0; i < count_; ++i) {
    MetaReply& reply = replies_[i];
    const absl::string_view rest = in.substr(offset);
    ParseResult r;
    if (!ParseCommonMetaReply(rest, kMaxReplyValueBytes, &reply, &r)) {
      r = ParseMetaReply(rest, kMaxReplyValueBytes, &reply);
    }
    if (r.state == ParseState::kMalformed) {
      return absl::InternalError(r.error);
    }
    if (r.state == ParseState::kIncomplete) {
      *consumed = 0;
      return false;
    }
    if (!opaque_.empty() && reply.opaque != opaque_ && !IsErrorReply(reply)) {
      return absl::InternalError(absl::StrCat(
          ReplyCodeName(reply.code), " reply carries opaque \"", reply.opaque,
          "\" instead of the request's \"", opaque_, "\""));
    }
    offset += r.consumed;
  }
  *consumed = offset;
  return true;
}

absl::StatusOr<bool> TextReplyReader::Consume(absl::string_view in,
                                              size_t* consumed) {
  ParseResult r = ParseTextReply(in, kMaxReplyValueBytes, &reply_);
  if (r.state == ParseState::kMalformed) {
    return absl::InternalError(r.error);
  }
  *consumed = r.consumed;
  return r.state == ParseState::kComplete;
}

bool IsErrorReply(const MetaReply& reply) {
  return reply.code == ReplyCode::kError ||
         reply.code == ReplyCode::kClientError ||
         reply.code == ReplyCode::kServerError;
}

absl::Status ErrorReplyStatus(absl::string_view server, absl::string_view key,
                              absl::string_view code,
                              absl::string_view message) {
  std::string about =
      key.empty() ? std::string() : absl::StrCat(" for key ", QuoteKey(key));
  std::string text = absl::StrCat(code, message.empty() ? "" : " ", message);
  if (code == "SERVER_ERROR" && absl::StrContains(message, "too large")) {
    return absl::InvalidArgumentError(
        absl::StrCat("memcached ", server, " refused the value", about,
                     " as larger than its item size limit (-I): ", text));
  }
  if (code == "SERVER_ERROR" && absl::StrContains(message, "out of memory")) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "memcached ", server, " is out of memory", about, ": ", text));
  }
  if (code == "CLIENT_ERROR" && absl::StrContains(message, "unauthenticated")) {
    return absl::UnauthenticatedError(
        absl::StrCat("memcached ", server,
                     " requires authentication (-Y): give auth_file=<file with "
                     "user:password>"));
  }
  if (code == "CLIENT_ERROR" && absl::StrContains(message, "non-numeric")) {
    return absl::FailedPreconditionError(
        absl::StrCat("memcached ", server, ": the value", about,
                     " is not a decimal unsigned 64-bit number: ", text));
  }
  return absl::InternalError(
      absl::StrCat("memcached ", server, " answered", about, ": ", text));
}

absl::Status ErrorReplyStatus(absl::string_view server, absl::string_view key,
                              const MetaReply& reply) {
  return ErrorReplyStatus(server, key, ReplyCodeName(reply.code),
                          reply.message);
}

absl::Status UnexpectedReply(absl::string_view key, const MetaReply& reply) {
  return absl::InternalError(absl::StrCat(
      "unexpected reply ", ReplyCodeName(reply.code),
      key.empty() ? "" : " for key ", key.empty() ? "" : QuoteKey(key)));
}

}  // namespace kivi::memcached
