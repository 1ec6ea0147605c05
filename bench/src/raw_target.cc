#include <sys/uio.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/raw_socket.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

// Values up to this size are copied into the request buffer; larger ones go
// out with writev, still one system call.
constexpr size_t kCopyLimit = 4096;

absl::Status Unexpected(absl::string_view line) {
  return absl::InternalError(absl::StrCat("unexpected reply \"", line, "\""));
}

// The <size> of "VA <size> ..." or of the fourth token of
// "VALUE <key> <flags> <size>".
bool ParseSize(absl::string_view token, size_t* size) {
  return absl::SimpleAtoi(token, size);
}

absl::string_view Token(absl::string_view line, int index) {
  for (int i = 0; i < index; ++i) {
    const size_t space = line.find(' ');
    if (space == absl::string_view::npos) return "";
    line.remove_prefix(space + 1);
  }
  return line.substr(0, line.find(' '));
}

class RawSession final : public Session {
 public:
  RawSession(std::unique_ptr<RawConnection> connection, RawBatch batch)
      : connection_(std::move(connection)), batch_(batch) {}

  absl::Status Get(absl::string_view key, std::string* value) override {
    request_.clear();
    absl::StrAppend(&request_, "mg ", key, " v\r\n");
    if (absl::Status s = connection_->Write(request_); !s.ok()) return s;
    absl::StatusOr<absl::string_view> line = connection_->ReadLine();
    if (!line.ok()) return line.status();
    if (*line == "EN") return absl::NotFoundError(key);
    size_t size = 0;
    if (!absl::StartsWith(*line, "VA ") || !ParseSize(Token(*line, 1), &size)) {
      return Unexpected(*line);
    }
    absl::StatusOr<absl::string_view> block = connection_->ReadBlock(size + 2);
    if (!block.ok()) return block.status();
    value->assign(block->data(), size);
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    request_.clear();
    absl::StrAppend(&request_, "ms ", key, " ", value.size(), "\r\n");
    absl::Status written;
    if (value.size() <= kCopyLimit) {
      absl::StrAppend(&request_, value, "\r\n");
      written = connection_->Write(request_);
    } else {
      struct iovec pieces[3] = {
          {request_.data(), request_.size()},
          {const_cast<char*>(value.data()), value.size()},
          {const_cast<char*>("\r\n"), 2},
      };
      written = connection_->WriteV(pieces, 3);
    }
    if (!written.ok()) return written;
    absl::StatusOr<absl::string_view> line = connection_->ReadLine();
    if (!line.ok()) return line.status();
    if (*line != "HD") return Unexpected(*line);
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    request_.clear();
    if (batch_ == RawBatch::kClassic) {
      request_.append("get");
      for (const std::string& key : run.keys) absl::StrAppend(&request_, " ", key);
      request_.append("\r\n");
    } else {
      for (size_t i = 0; i < run.keys.size(); ++i) {
        absl::StrAppend(&request_, "mg ", run.keys[i], " v q O", i, "\r\n");
      }
      request_.append("mn\r\n");
    }
    if (absl::Status s = connection_->Write(request_); !s.ok()) return s;
    const absl::string_view end = batch_ == RawBatch::kClassic ? "END" : "MN";
    const int size_token = batch_ == RawBatch::kClassic ? 3 : 1;
    size_t hits = 0;
    for (;;) {
      absl::StatusOr<absl::string_view> line = connection_->ReadLine();
      if (!line.ok()) return line.status();
      if (*line == end) break;
      size_t size = 0;
      if (!ParseSize(Token(*line, size_token), &size)) return Unexpected(*line);
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
  const RawBatch batch_;
  std::string request_;
};

class RawTarget final : public Target {
 public:
  RawTarget(std::string server, RawBatch batch)
      : server_(std::move(server)), batch_(batch) {}

  std::string name() const override {
    return batch_ == RawBatch::kClassic ? "raw" : "raw-pipelined";
  }
  bool Supports(Workload workload) const override {
    return batch_ == RawBatch::kClassic || IsBatch(workload);
  }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    absl::StatusOr<std::unique_ptr<RawConnection>> connection =
        RawConnection::Connect(server_);
    if (!connection.ok()) return connection.status();
    return std::make_unique<RawSession>(*std::move(connection), batch_);
  }

 private:
  const std::string server_;
  const RawBatch batch_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewRawTarget(const std::string& server,
                                                     RawBatch batch) {
  return std::make_unique<RawTarget>(server, batch);
}

}  // namespace kivi_bench
