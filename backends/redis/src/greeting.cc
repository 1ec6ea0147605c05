#include "backends/redis/src/greeting.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "backends/redis/src/replies.h"
#include "backends/redis/src/resp.h"

namespace kivi::redis {
namespace {

class HelloGreetingImpl : public net::Greeting {
 public:
  explicit HelloGreetingImpl(const GreetingOptions& options)
      : options_(options) {}

  void Encode(std::string* request) override {
    if (!options_.password.empty()) {
      commands_.push_back(Command::kAuth);
      if (options_.user.empty()) {
        AppendCommand(request, {"AUTH", options_.password});
      } else {
        AppendCommand(request, {"AUTH", options_.user, options_.password});
      }
    }
    commands_.push_back(Command::kHello);
    AppendCommand(request, {"HELLO", "3"});
    if (options_.db != 0) {
      commands_.push_back(Command::kSelect);
      AppendArrayHeader(request, 2);
      AppendBulk(request, "SELECT");
      AppendBulk(request, int64_t{options_.db});
    }
    errors_.resize(commands_.size());
  }

  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    if (!reader_.has_value()) {
      reader_.emplace(commands_.size(), on_reply_);
    }
    return reader_->Consume(in, consumed);
  }

  absl::Status Finish(absl::string_view peer) override {
    for (size_t i = 0; i < commands_.size(); ++i) {
      if (!errors_[i].has_value()) continue;
      const std::string& error = *errors_[i];
      switch (commands_[i]) {
        case Command::kAuth:
          return absl::UnauthenticatedError(
              absl::StrCat(peer, ": authentication",
                           options_.user.empty()
                               ? ""
                               : absl::StrCat(" as \"", options_.user, "\""),
                           " failed: ", error));
        case Command::kHello:
          // A server before Redis 6 does not know HELLO: stay on RESP2. Any
          // other refusal (NOAUTH: a password is needed) is the server's.
          if (error.rfind("NOAUTH", 0) == 0 ||
              error.rfind("WRONGPASS", 0) == 0) {
            return absl::UnauthenticatedError(absl::StrCat(peer, ": ", error));
          }
          if (error.rfind("NOPERM", 0) == 0) {
            return absl::PermissionDeniedError(absl::StrCat(peer, ": ", error));
          }
          break;
        case Command::kSelect:
          return absl::UnavailableError(
              absl::StrCat(peer, ": SELECT ", options_.db, " failed: ", error));
      }
    }
    return absl::OkStatus();
  }

 private:
  enum class Command { kAuth, kHello, kSelect };

  // Keeps each command's error, if any.
  struct OnReply {
    HelloGreetingImpl* self;
    void operator()(size_t i, const Reply& reply) const {
      if (reply.IsError()) self->errors_[i] = std::string(reply.text);
    }
  };

  const GreetingOptions& options_;
  std::vector<Command> commands_;
  std::vector<absl::optional<std::string>> errors_;
  OnReply on_reply_{this};
  absl::optional<RespReader> reader_;
};

}  // namespace

std::function<std::unique_ptr<net::Greeting>()> HelloGreeting(
    GreetingOptions options) {
  auto shared = std::make_shared<const GreetingOptions>(std::move(options));
  return [shared]() -> std::unique_ptr<net::Greeting> {
    return std::make_unique<HelloGreetingImpl>(*shared);
  };
}

}  // namespace kivi::redis
