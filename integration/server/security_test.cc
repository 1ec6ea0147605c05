// kivi-server's security and limits as an operator meets them: the binary
// as a child process, the kivi tool as its client.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi_server_process.h"
#include "test_certificates.h"

namespace kivi::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class ServerProcessSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestCertificates>> certs =
        TestCertificates::Create();
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *std::move(certs);
    token_file_ = certs_->WriteFile("token", "operator-secret\n");
  }

  std::unique_ptr<TestCertificates> certs_;
  std::string token_file_;
};

TEST_F(ServerProcessSecurity, UnreadableOrBadFilesStopTheStartNamingThem) {
  const std::string missing = certs_->Path("missing.pem");
  const std::string tls_cert = "--tls_cert=" + certs_->server_cert();
  const std::string tls_key = "--tls_key=" + certs_->server_key();
  const struct {
    std::vector<std::string> args;
    std::string names;
  } cases[] = {
      {{"--tls_cert=" + missing, tls_key}, "tls_cert file \"" + missing},
      {{tls_cert, "--tls_key=" + certs_->Path("")}, "Is a directory"},
      {{tls_cert, "--tls_key=" + certs_->not_pem()}, certs_->not_pem()},
      {{tls_cert, tls_key, "--tls_client_ca=" + missing},
       "tls_client_ca file \"" + missing},
      {{"--auth_token_file=" + missing}, "auth_token_file file \"" + missing},
  };
  for (const auto& c : cases) {
    ProcessResult result = RunKiviServer(c.args);
    EXPECT_EQ(result.exit_code, 1) << result.out;
    EXPECT_THAT(result.err, HasSubstr(c.names));
  }
}

TEST_F(ServerProcessSecurity, RefusesToExposeAStoreUnprotected) {
  ProcessResult bare = RunKiviServer({"--listen=0.0.0.0:0"});
  EXPECT_EQ(bare.exit_code, 1) << bare.out;
  EXPECT_THAT(bare.err, AllOf(HasSubstr("0.0.0.0:0"), HasSubstr("TLS"),
                              HasSubstr("--allow_insecure")));
  ProcessResult tls_only = RunKiviServer({"--listen=0.0.0.0:0",
                                          "--tls_cert=" + certs_->server_cert(),
                                          "--tls_key=" + certs_->server_key()});
  EXPECT_EQ(tls_only.exit_code, 1) << tls_only.out;
  EXPECT_THAT(tls_only.err, HasSubstr("client authentication"));
}

TEST_F(ServerProcessSecurity, TlsClientCertificatesAndTokenTogether) {
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
      KiviServerProcess::Start({"--backend=memory://",
                                "--tls_cert=" + certs_->server_cert(),
                                "--tls_key=" + certs_->server_key(),
                                "--tls_client_ca=" + certs_->ca(),
                                "--auth_token_file=" + token_file_});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string tls = absl::StrCat(
      "grpc://", (*server)->address(), "?tls=1&ca=", certs_->ca(),
      "&cert=", certs_->client_cert(), "&key=", certs_->client_key());
  const std::string authorized =
      "--backend=" + tls + "&token_file=" + token_file_;

  ProcessResult set = RunKivi({authorized, "set", "k", "v"});
  EXPECT_EQ(set.exit_code, 0) << set.err;

  ProcessResult anonymous = RunKivi({"--backend=" + tls, "get", "k"});
  EXPECT_EQ(anonymous.exit_code, 3);
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED"));
  const std::string wrong = certs_->WriteFile("wrong", "guess\n");
  ProcessResult guessed =
      RunKivi({"--backend=" + tls + "&token_file=" + wrong, "get", "k"});
  EXPECT_EQ(guessed.exit_code, 3);
  EXPECT_THAT(guessed.err, HasSubstr("wrong bearer token"));
  ProcessResult rogue =
      RunKivi({absl::StrCat("--backend=grpc://", (*server)->address(),
                            "?connect_timeout=1s&tls=1&ca=", certs_->ca(),
                            "&cert=", certs_->rogue_client_cert(),
                            "&key=", certs_->rogue_client_key(),
                            "&token_file=", token_file_),
               "get", "k"});
  EXPECT_EQ(rogue.exit_code, 3);
  EXPECT_THAT(rogue.err, HasSubstr("UNAVAILABLE"));

  // The probe needs the client certificate (mTLS guards the port) but no
  // token.
  ProcessResult probe = RunKivi({"health", "--addr=" + (*server)->address(),
                                 "--tls", "--tls_ca=" + certs_->ca(),
                                 "--tls_cert=" + certs_->client_cert(),
                                 "--tls_key=" + certs_->client_key()});
  EXPECT_EQ(probe.exit_code, 0) << probe.err;

  // Refusals left the server serving the rightful client.
  ProcessResult get = RunKivi({authorized, "get", "k"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "v");
}

TEST(ServerProcessLimits, OversizeRequestsAreRefusedWithTheirCodes) {
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
      KiviServerProcess::Start({"--backend=memory://", "--max_batch_keys=2",
                                "--max_value_bytes=10",
                                "--max_message_bytes=1KiB"});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string backend = "--backend=grpc://" + (*server)->address();

  ProcessResult batch = RunKivi({backend, "batch-get", "a", "b", "c"});
  EXPECT_EQ(batch.exit_code, 3);
  EXPECT_THAT(batch.err, AllOf(HasSubstr("INVALID_ARGUMENT"),
                               HasSubstr("max_batch_keys")));
  ProcessResult value = RunKivi({backend, "set", "k", "eleven byte"});
  EXPECT_EQ(value.exit_code, 3);
  EXPECT_THAT(value.err, AllOf(HasSubstr("INVALID_ARGUMENT"),
                               HasSubstr("max_value_bytes")));
  ProcessResult message =
      RunKivi({backend, "set", "k", std::string(2048, 'x')});
  EXPECT_EQ(message.exit_code, 3);
  EXPECT_THAT(message.err, HasSubstr("RESOURCE_EXHAUSTED"));

  ProcessResult set = RunKivi({backend, "set", "k", "fits"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  ProcessResult batch_ok = RunKivi({backend, "batch-get", "k", "b"});
  EXPECT_EQ(batch_ok.exit_code, 1);  // "b" missed; nothing refused.
  EXPECT_EQ(batch_ok.out, "k\tfits\n");
}

}  // namespace
}  // namespace kivi::testing
