#include "src/replies.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kivi/key_rules.h"

namespace kivi::memcached {

absl::StatusOr<bool> MetaReplyReader::Consume(absl::string_view in,
                                              size_t* consumed) {
  ParseResult r = ParseMetaReply(in, kMaxReplyValueBytes, &reply_);
  if (r.state == ParseState::kMalformed) {
    return absl::InternalError(r.error);
  }
  *consumed = r.consumed;
  return r.state == ParseState::kComplete;
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
    return absl::ResourceExhaustedError(
        absl::StrCat("memcached ", server, " is out of memory", about, ": ",
                     text));
  }
  if (code == "CLIENT_ERROR" && absl::StrContains(message, "unauthenticated")) {
    return absl::UnauthenticatedError(absl::StrCat(
        "memcached ", server,
        " requires authentication (-Y): give auth_file=<file with "
        "user:password>"));
  }
  if (code == "CLIENT_ERROR" && absl::StrContains(message, "non-numeric")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "memcached ", server, ": the value", about,
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
