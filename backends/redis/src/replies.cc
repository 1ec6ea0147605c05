#include "backends/redis/src/replies.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kivi/key_rules.h"

namespace kivi::redis {

absl::StatusOr<bool> RespReader::Consume(absl::string_view in,
                                         size_t* consumed) {
  size_t pos = 0;
  while (next_ < count_) {
    const ParseResult result = ParseReply(in.substr(pos), &reply_);
    if (result.state == ParseState::kIncomplete) break;
    if (result.state == ParseState::kMalformed) {
      *consumed = pos;
      return absl::InternalError(
          absl::StrCat("malformed RESP reply: ", result.error));
    }
    pos += result.consumed;
    if (reply_.type == ReplyType::kPush) continue;
    on_reply_(next_++, reply_);
  }
  *consumed = pos;
  return next_ == count_;
}

bool ParseRedirect(const Reply& reply, Redirect* redirect) {
  if (!reply.IsError()) return false;
  const absl::string_view code = reply.ErrorCode();
  if (code != "MOVED" && code != "ASK") return false;
  const std::vector<absl::string_view> parts =
      absl::StrSplit(reply.text, ' ', absl::SkipEmpty());
  if (parts.size() != 3) return false;
  redirect->ask = code == "ASK";
  redirect->target = std::string(parts[2]);
  return true;
}

absl::Status ErrorReplyStatus(const Reply& reply, absl::string_view key,
                              absl::string_view peer) {
  const absl::string_view code = reply.ErrorCode();
  const std::string where = key.empty()
                                ? std::string(peer)
                                : absl::StrCat(peer, ": key ", QuoteKey(key));
  const std::string message = absl::StrCat(where, ": ", reply.text);
  if (code == "WRONGTYPE") return absl::FailedPreconditionError(message);
  if (code == "NOAUTH" || code == "WRONGPASS") {
    return absl::UnauthenticatedError(message);
  }
  if (code == "NOPERM") return absl::PermissionDeniedError(message);
  if (code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" ||
      code == "CLUSTERDOWN" || code == "TRYAGAIN" || code == "READONLY") {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

absl::Status UnexpectedReply(const Reply& reply, absl::string_view what,
                             absl::string_view peer) {
  return absl::InternalError(absl::StrCat(peer, ": unexpected reply type ",
                                          static_cast<int>(reply.type), " to ",
                                          what));
}

}  // namespace kivi::redis
