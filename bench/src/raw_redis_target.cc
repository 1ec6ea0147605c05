#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/raw_socket.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

absl::Status Unexpected(absl::string_view line) {
  return absl::InternalError(absl::StrCat("unexpected reply \"", line, "\""));
}

void AppendBulk(std::string* out, absl::string_view arg) {
  absl::StrAppend(out, "$", arg.size(), "\r\n", arg, "\r\n");
}

// The RESP floor: the request written by hand, the reply read with no
// general parser (RESP2, what a fresh connection speaks).
class RawRedisSession final : public Session {
 public:
  explicit RawRedisSession(std::unique_ptr<RawConnection> connection)
      : connection_(std::move(connection)) {}

  absl::Status Get(absl::string_view key, std::string* value) override {
    request_.assign("*2\r\n$3\r\nGET\r\n");
    AppendBulk(&request_, key);
    if (absl::Status s = connection_->Write(request_); !s.ok()) return s;
    absl::StatusOr<absl::string_view> line = connection_->ReadLine();
    if (!line.ok()) return line.status();
    if (*line == "$-1") return absl::NotFoundError(key);
    size_t size = 0;
    if (line->empty() || (*line)[0] != '$' ||
        !absl::SimpleAtoi(line->substr(1), &size)) {
      return Unexpected(*line);
    }
    absl::StatusOr<absl::string_view> block = connection_->ReadBlock(size + 2);
    if (!block.ok()) return block.status();
    value->assign(block->data(), size);
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    request_.assign("*3\r\n$3\r\nSET\r\n");
    AppendBulk(&request_, key);
    AppendBulk(&request_, value);
    if (absl::Status s = connection_->Write(request_); !s.ok()) return s;
    absl::StatusOr<absl::string_view> line = connection_->ReadLine();
    if (!line.ok()) return line.status();
    if (*line != "+OK") return Unexpected(*line);
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    request_.clear();
    absl::StrAppend(&request_, "*", run.keys.size() + 1, "\r\n$4\r\nMGET\r\n");
    for (const std::string& key : run.keys) AppendBulk(&request_, key);
    if (absl::Status s = connection_->Write(request_); !s.ok()) return s;
    absl::StatusOr<absl::string_view> header = connection_->ReadLine();
    if (!header.ok()) return header.status();
    size_t count = 0;
    if (header->empty() || (*header)[0] != '*' ||
        !absl::SimpleAtoi(header->substr(1), &count)) {
      return Unexpected(*header);
    }
    size_t hits = 0;
    for (size_t i = 0; i < count; ++i) {
      absl::StatusOr<absl::string_view> line = connection_->ReadLine();
      if (!line.ok()) return line.status();
      if (*line == "$-1") continue;
      size_t size = 0;
      if (line->empty() || (*line)[0] != '$' ||
          !absl::SimpleAtoi(line->substr(1), &size)) {
        return Unexpected(*line);
      }
      absl::StatusOr<absl::string_view> block =
          connection_->ReadBlock(size + 2);
      if (!block.ok()) return block.status();
      if (size != value_bytes) {
        return absl::DataLossError(absl::StrCat("got ", size, " bytes"));
      }
      ++hits;
    }
    return hits;
  }

 private:
  std::unique_ptr<RawConnection> connection_;
  std::string request_;
};

class RawRedisTarget final : public Target {
 public:
  explicit RawRedisTarget(std::string server) : server_(std::move(server)) {}

  std::string name() const override { return "raw"; }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    absl::StatusOr<std::unique_ptr<RawConnection>> connection =
        RawConnection::Connect(server_);
    if (!connection.ok()) return connection.status();
    return std::make_unique<RawRedisSession>(*std::move(connection));
  }

 private:
  const std::string server_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewRawRedisTarget(
    const std::string& server) {
  return std::make_unique<RawRedisTarget>(server);
}

}  // namespace kivi_bench
