#include "src/greeting.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "src/protocol.h"

namespace kivi::memcached {
namespace {

// Sends "set <user> 0 0 <n>" with "<user> <password>" as its data and reads
// the one reply: STORED, or an error line.
class AuthGreetingImpl : public net::Greeting {
 public:
  AuthGreetingImpl(std::string user, std::string password)
      : user_(std::move(user)), password_(std::move(password)) {}

  void Encode(std::string* request) override {
    AppendAuth(request, user_, password_);
  }

  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    ParseResult r = ParseTextReply(in, 0, &reply_);
    if (r.state == ParseState::kMalformed) return absl::InternalError(r.error);
    *consumed = r.consumed;
    return r.state == ParseState::kComplete;
  }

  absl::Status Finish(absl::string_view peer) override {
    switch (reply_.kind) {
      case TextReplyKind::kStored:
        return absl::OkStatus();
      case TextReplyKind::kClientError:
      case TextReplyKind::kError:
        return absl::UnauthenticatedError(absl::StrCat(
            peer, ": authentication as \"", user_, "\" failed: ", reply_.text));
      default:
        return absl::UnavailableError(
            absl::StrCat(peer, ": unexpected reply to authentication"));
    }
  }

 private:
  const std::string user_;
  const std::string password_;
  TextReply reply_;
};

}  // namespace

std::function<std::unique_ptr<net::Greeting>()> AuthGreeting(
    std::string user, std::string password) {
  return [user = std::move(user),
          password = std::move(password)]() -> std::unique_ptr<net::Greeting> {
    return std::make_unique<AuthGreetingImpl>(user, password);
  };
}

}  // namespace kivi::memcached
