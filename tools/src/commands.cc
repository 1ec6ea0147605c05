#include "src/commands.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace kivi::cli {
namespace {

void Write(std::FILE* out, absl::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), out);
}

// Reports a failed call and picks its exit code.
int Fail(std::FILE* err, const absl::Status& status) {
  absl::FPrintF(err, "kivi: %s\n", status.ToString());
  return absl::IsNotFound(status) ? kExitNotFound : kExitError;
}

absl::StatusOr<std::string> ReadAll(std::FILE* in) {
  std::string data;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), in)) > 0) {
    data.append(buffer, n);
  }
  if (std::ferror(in)) {
    return absl::DataLossError("cannot read the value from stdin");
  }
  return data;
}

int Get(const Invocation& invocation, Client& client, std::FILE* out,
        std::FILE* err) {
  absl::StatusOr<std::string> value = client.Get(invocation.args[0]);
  if (!value.ok()) return Fail(err, value.status());
  Write(out, *value);
  return kExitOk;
}

int Set(const Invocation& invocation, Client& client, std::FILE* in,
        std::FILE* err) {
  std::string value;
  if (invocation.value_from_stdin) {
    absl::StatusOr<std::string> read = ReadAll(in);
    if (!read.ok()) return Fail(err, read.status());
    value = *std::move(read);
  } else {
    value = invocation.args[1];
  }
  absl::Status status =
      client.Set(invocation.args[0], value, {.ttl = invocation.ttl});
  return status.ok() ? kExitOk : Fail(err, status);
}

int Delete(const Invocation& invocation, Client& client, std::FILE* err) {
  absl::Status status = client.Delete(invocation.args[0]);
  return status.ok() ? kExitOk : Fail(err, status);
}

int List(const Invocation& invocation, Client& client, std::FILE* out,
         std::FILE* err) {
  absl::StatusOr<std::vector<std::string>> keys =
      client.List(invocation.args.empty() ? "" : invocation.args[0]);
  if (!keys.ok()) return Fail(err, keys.status());
  for (const std::string& key : *keys) absl::FPrintF(out, "%s\n", key);
  return kExitOk;
}

// Hits on `out` in the order asked; misses and per-key failures on `err`.
// The exit code is the worst outcome: an error, else a miss, else ok.
int BatchGet(const Invocation& invocation, Client& client, std::FILE* out,
             std::FILE* err) {
  absl::StatusOr<BatchGetResult> result = client.BatchGet(invocation.args);
  if (!result.ok()) return Fail(err, result.status());
  int code = kExitOk;
  absl::flat_hash_set<absl::string_view> printed;
  for (const std::string& key : invocation.args) {
    if (!printed.insert(key).second) continue;
    if (auto hit = result->found.find(key); hit != result->found.end()) {
      absl::FPrintF(out, "%s\t", key);
      Write(out, hit->second);
      Write(out, "\n");
    } else if (auto failed = result->failed.find(key);
               failed != result->failed.end()) {
      absl::FPrintF(err, "%s\t%s\n", key, failed->second.ToString());
      code = kExitError;
    } else {
      absl::FPrintF(err, "%s\t<miss>\n", key);
      if (code == kExitOk) code = kExitNotFound;
    }
  }
  return code;
}

int Increment(const Invocation& invocation, Client& client, std::FILE* out,
              std::FILE* err) {
  // An absent counter counts as 0 with the delta applied, as users of
  // counters expect; a decrement of an absent counter stops at 0.
  const uint64_t initial =
      static_cast<uint64_t>(std::max<int64_t>(invocation.delta, 0));
  absl::StatusOr<uint64_t> value =
      client.Increment(invocation.args[0], invocation.delta,
                       {.initial = initial, .ttl = invocation.ttl});
  if (!value.ok()) return Fail(err, value.status());
  absl::FPrintF(out, "%d\n", *value);
  return kExitOk;
}

}  // namespace

int RunCommand(const Invocation& invocation, Client& client, std::FILE* in,
               std::FILE* out, std::FILE* err) {
  const std::string& command = invocation.command;
  if (command == "get") return Get(invocation, client, out, err);
  if (command == "set") return Set(invocation, client, in, err);
  if (command == "del") return Delete(invocation, client, err);
  if (command == "list") return List(invocation, client, out, err);
  if (command == "batch-get") return BatchGet(invocation, client, out, err);
  if (command == "incr") return Increment(invocation, client, out, err);
  absl::FPrintF(err, "kivi: unknown command \"%s\"\n", command);
  return kExitUsage;
}

}  // namespace kivi::cli
