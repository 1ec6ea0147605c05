#include "src/item_limit.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"
#include "src/protocol.h"

namespace kivi::memcached {
namespace {

// Reads "stats settings" until END, keeping item_size_max. An error line
// ends it too: the server (or a proxy) has no such statistics.
class SettingsReader : public net::ReplyReader {
 public:
  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    *consumed = 0;
    while (true) {
      TextReply reply;
      ParseResult r = ParseTextReply(in.substr(*consumed), 0, &reply);
      if (r.state == ParseState::kMalformed)
        return absl::InternalError(r.error);
      if (r.state == ParseState::kIncomplete) return false;
      *consumed += r.consumed;
      switch (reply.kind) {
        case TextReplyKind::kStat:
          if (reply.name == "item_size_max" &&
              !absl::SimpleAtoi(reply.text, &item_size_max_)) {
            return absl::InternalError(absl::StrCat(
                "item_size_max \"", reply.text, "\" is not a number"));
          }
          continue;
        case TextReplyKind::kEnd:
        case TextReplyKind::kError:
        case TextReplyKind::kClientError:
        case TextReplyKind::kServerError:
          return true;
        default:
          return absl::InternalError("unexpected line in stats settings");
      }
    }
  }

  uint64_t item_size_max() const { return item_size_max_; }

 private:
  uint64_t item_size_max_ = 0;
};

}  // namespace

size_t ItemLimit::MaxValueBytes(absl::string_view key) const {
  const size_t item = item_size_max();
  if (item == 0) return SIZE_MAX;
  const size_t overhead = kItemOverheadBytes + key.size();
  return item > overhead ? item - overhead : 0;
}

absl::Status ItemLimit::Check(absl::string_view server, absl::string_view key,
                              size_t value_bytes) const {
  const size_t max = MaxValueBytes(key);
  if (value_bytes <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "value for key ", QuoteKey(key), " is ", value_bytes,
      " bytes, too large for memcached ", server, ": it stores at most ", max,
      " bytes under this key (item_size_max ", item_size_max(), " less ",
      kItemOverheadBytes, " bytes of item header and the ", key.size(),
      "-byte key); nothing was sent and the stored value is unchanged"));
}

absl::Status ItemLimit::Learn(net::Connection& conn, absl::Time deadline) {
  AppendStats(conn.request(), "settings");
  SettingsReader reader;
  KIVI_RETURN_IF_ERROR(conn.Exchange(reader, deadline));
  KIVI_RETURN_IF_ERROR(conn.CheckNothingFollows());
  item_size_max_.store(static_cast<size_t>(reader.item_size_max()),
                       std::memory_order_relaxed);
  current_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

}  // namespace kivi::memcached
