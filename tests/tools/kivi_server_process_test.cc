// The `kivi-server` binary as operators run it: announces its address,
// serves the `kivi` tool, and exits 0 on SIGTERM or SIGINT.

#include <csignal>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr absl::string_view kListening = "kivi-server listening on ";

// Starts kivi-server on a free port; `*address` is where it listens.
std::unique_ptr<Subprocess> StartServer(std::string* address) {
  absl::StatusOr<std::unique_ptr<Subprocess>> server = Subprocess::Start(
      {KIVI_SERVER_BINARY, "--listen=127.0.0.1:0", "--backend=memory://"});
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  absl::StatusOr<std::string> line = (*server)->ReadLine(absl::Seconds(10));
  EXPECT_TRUE(line.ok()) << line.status();
  if (!line.ok()) return nullptr;
  EXPECT_THAT(*line,
              MatchesRegex("kivi-server listening on 127\\.0\\.0\\.1:[0-9]+ "
                           "\\(memory://\\)"));
  if (!absl::StartsWith(*line, kListening)) return nullptr;
  const absl::string_view rest =
      absl::string_view(*line).substr(kListening.size());
  *address = std::string(rest.substr(0, rest.find(' ')));
  return *std::move(server);
}

TEST(KiviServerProcess, ServesTheKiviToolAndExitsZeroOnSigterm) {
  std::string address;
  std::unique_ptr<Subprocess> server = StartServer(&address);
  ASSERT_NE(server, nullptr);
  const std::string backend = absl::StrCat("--backend=grpc://", address);

  ProcessResult set = RunProcess({KIVI_BINARY, backend, "set", "k", "v"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  ProcessResult get = RunProcess({KIVI_BINARY, backend, "get", "k"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "v");

  server->Signal(SIGTERM);
  ProcessResult result = server->Finish();
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(KiviServerProcess, ExitsZeroOnSigint) {
  std::string address;
  std::unique_ptr<Subprocess> server = StartServer(&address);
  ASSERT_NE(server, nullptr);
  server->Signal(SIGINT);
  EXPECT_EQ(server->Finish().exit_code, 0);
}

TEST(KiviServerProcess, BadBackendUrlExitsNonZeroNamingIt) {
  ProcessResult result = RunProcess(
      {KIVI_SERVER_BINARY, "--listen=127.0.0.1:0", "--backend=nosuch://"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, HasSubstr("nosuch://"));
}

}  // namespace
}  // namespace kivi::testing
