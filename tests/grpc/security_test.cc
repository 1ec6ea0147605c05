// kivi-server lets in only whom it should: bearer tokens, TLS and mTLS,
// refusal to expose a store unprotected, and clear errors for bad files.
// Certificates are made at test time by the openssl command.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"
#include "kivi/server/server.h"
#include "kivi/v1/kv.grpc.pb.h"
#include "test_certificates.h"

namespace kivi {
namespace {

using ::kivi::testing::TestCertificates;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kToken[] = "s3cret-t0ken";

class ServerSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestCertificates>> certs =
        TestCertificates::Create();
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *std::move(certs);
    token_file_ = certs_->WriteFile("token", absl::StrCat(kToken, "\n"));
  }

  std::unique_ptr<Server> Start(ServerOptions options) {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(std::move(options));
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  ServerTlsOptions Tls() const {
    return {.cert_file = certs_->server_cert(),
            .key_file = certs_->server_key()};
  }
  ServerTlsOptions MutualTls() const {
    ServerTlsOptions tls = Tls();
    tls.client_ca_file = certs_->ca();
    return tls;
  }

  // A grpc:// URL for `server` with extra query parameters.
  static std::string Url(const Server& server, const std::string& query) {
    return absl::StrCat("grpc://", server.address(),
                        "?connect_timeout=2s&timeout=5s", query);
  }

  std::unique_ptr<TestCertificates> certs_;
  std::string token_file_;
};

// A raw KeyValue.Get carrying `authorization` (none when empty).
grpc::Status RawGet(const Server& server, const std::string& authorization) {
  auto stub = v1::KeyValue::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  if (!authorization.empty()) {
    context.AddMetadata("authorization", authorization);
  }
  v1::GetRequest request;
  request.set_key("k");
  v1::GetResponse response;
  return stub->Get(&context, request, &response);
}

TEST_F(ServerSecurity, TokenMustBeSentAndRight) {
  std::unique_ptr<Server> server =
      Start({.listen = "127.0.0.1:0", .auth_token_file = token_file_});
  ASSERT_NE(server, nullptr);

  grpc::Status none = RawGet(*server, "");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("needs a bearer token"));
  grpc::Status wrong = RawGet(*server, "Bearer not-the-token");
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(wrong.error_message(), HasSubstr("wrong bearer token"));
  EXPECT_EQ(RawGet(*server, absl::StrCat("Basic ", kToken)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(RawGet(*server, absl::StrCat("Bearer ", kToken, "x")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Refusals leave the server serving those with the token (a miss here).
  EXPECT_EQ(RawGet(*server, absl::StrCat("Bearer ", kToken)).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(RawGet(*server, absl::StrCat("bearer ", kToken)).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerSecurity, HealthNeedsNoToken) {
  std::unique_ptr<Server> server =
      Start({.listen = "127.0.0.1:0", .auth_token_file = token_file_});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->health_checker().WaitFor(true, absl::Seconds(10)));
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      server->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, {}, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServerSecurity, GrpcBackendSendsTheTokenFromItsFile) {
  std::unique_ptr<Server> server =
      Start({.listen = "127.0.0.1:0", .auth_token_file = token_file_});
  ASSERT_NE(server, nullptr);
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(Url(*server, "&token_file=" + token_file_));
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Set("k", "v").ok());
  EXPECT_EQ(*(*client)->Get("k"), "v");

  absl::StatusOr<std::unique_ptr<Client>> anonymous = Open(Url(*server, ""));
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated);
  const std::string other = certs_->WriteFile("other-token", "other\n");
  absl::StatusOr<std::unique_ptr<Client>> wrong =
      Open(Url(*server, "&token_file=" + other));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ServerSecurity, TlsServesTlsClientsOnly) {
  std::unique_ptr<Server> server =
      Start({.listen = "127.0.0.1:0", .tls = Tls()});
  ASSERT_NE(server, nullptr);
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(Url(*server, "&tls=1&ca=" + certs_->ca()));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE((*client)->Set("k", "v").ok());

  absl::StatusOr<std::unique_ptr<Client>> plaintext =
      Open(absl::StrCat("grpc://", server->address(), "?connect_timeout=1s"));
  EXPECT_EQ(plaintext.status().code(), absl::StatusCode::kUnavailable);
  // The system's roots do not know the test CA.
  absl::StatusOr<std::unique_ptr<Client>> untrusting = Open(
      absl::StrCat("grpc://", server->address(), "?connect_timeout=1s&tls=1"));
  EXPECT_EQ(untrusting.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE((*client)->Set("k", "still served").ok());
}

TEST_F(ServerSecurity, MutualTlsNeedsACertificateFromTheClientCa) {
  std::unique_ptr<Server> server =
      Start({.listen = "127.0.0.1:0", .tls = MutualTls()});
  ASSERT_NE(server, nullptr);
  const std::string tls = "&tls=1&ca=" + certs_->ca();
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(Url(*server, absl::StrCat(tls, "&cert=", certs_->client_cert(),
                                     "&key=", certs_->client_key())));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE((*client)->Set("k", "v").ok());

  const std::string fast =
      absl::StrCat("grpc://", server->address(), "?connect_timeout=1s", tls);
  absl::StatusOr<std::unique_ptr<Client>> no_cert = Open(fast);
  EXPECT_EQ(no_cert.status().code(), absl::StatusCode::kUnavailable);
  absl::StatusOr<std::unique_ptr<Client>> rogue =
      Open(absl::StrCat(fast, "&cert=", certs_->rogue_client_cert(),
                        "&key=", certs_->rogue_client_key()));
  EXPECT_EQ(rogue.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE((*client)->Set("k", "still served").ok());
}

TEST_F(ServerSecurity, UnreadableOrWrongFilesStopTheStartNamingThem) {
  const std::string missing = certs_->Path("missing.pem");
  struct Case {
    ServerOptions options;
    absl::StatusCode code;
    std::string names;
  } cases[] = {
      {{.tls = {.cert_file = missing, .key_file = certs_->server_key()}},
       absl::StatusCode::kNotFound,
       "tls_cert file \"" + missing},
      {{.tls = {.cert_file = certs_->server_cert(), .key_file = missing}},
       absl::StatusCode::kNotFound,
       "tls_key file \"" + missing},
      {{.tls = {.cert_file = certs_->not_pem(),
                .key_file = certs_->server_key()}},
       absl::StatusCode::kInvalidArgument,
       certs_->not_pem()},
      {{.tls = {.cert_file = certs_->server_cert(),
                .key_file = certs_->client_key()}},
       absl::StatusCode::kInvalidArgument,
       "is not the private key"},
      // Refused, never prompted for (which would hang under a terminal).
      {{.tls = {.cert_file = certs_->server_cert(),
                .key_file = certs_->encrypted_server_key()}},
       absl::StatusCode::kInvalidArgument,
       "is encrypted"},
      {{.tls = {.cert_file = certs_->server_cert(),
                .key_file = certs_->server_key(),
                .client_ca_file = certs_->not_pem()}},
       absl::StatusCode::kInvalidArgument,
       "tls_client_ca file"},
      {{.tls = {.cert_file = certs_->server_cert(),
                .key_file = certs_->server_key(),
                .client_ca_file = certs_->Path("")}},
       absl::StatusCode::kFailedPrecondition,
       "tls_client_ca file"},
      {{.tls = {.cert_file = certs_->server_cert()}},
       absl::StatusCode::kInvalidArgument,
       "tls_cert and tls_key go together"},
      {{.tls = {.client_ca_file = certs_->ca()}},
       absl::StatusCode::kInvalidArgument,
       "tls_client_ca needs TLS"},
      {{.auth_token_file = missing},
       absl::StatusCode::kNotFound,
       "auth_token_file file \"" + missing},
      {{.auth_token_file = certs_->WriteFile("blank", " \n")},
       absl::StatusCode::kInvalidArgument,
       "holds no token"},
  };
  for (Case& c : cases) {
    c.options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(c.options);
    EXPECT_EQ(server.status().code(), c.code) << server.status();
    EXPECT_THAT(server.status().message(), HasSubstr(c.names));
  }
}

TEST_F(ServerSecurity, ExposingAStoreNeedsTlsAndClientAuthentication) {
  absl::StatusOr<std::unique_ptr<Server>> bare =
      Server::Start({.listen = "0.0.0.0:0"});
  EXPECT_EQ(bare.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      bare.status().message(),
      AllOf(HasSubstr("0.0.0.0:0"), HasSubstr("TLS"),
            HasSubstr("client authentication"), HasSubstr("allow_insecure")));
  absl::StatusOr<std::unique_ptr<Server>> tls_only =
      Server::Start({.listen = "[::]:0", .tls = Tls()});
  EXPECT_EQ(tls_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(tls_only.status().message(),
              AllOf(HasSubstr("client authentication"),
                    ::testing::Not(HasSubstr("TLS ("))));
  absl::StatusOr<std::unique_ptr<Server>> token_only =
      Server::Start({.listen = "10.1.2.3:0", .auth_token_file = token_file_});
  EXPECT_EQ(token_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token_only.status().message(), HasSubstr("TLS (tls_cert"));

  // Loopback in any spelling needs nothing.
  for (const char* listen : {"127.0.0.1:0", "localhost:0", "127.0.0.2:0"}) {
    absl::StatusOr<std::unique_ptr<Server>> local =
        Server::Start({.listen = listen});
    EXPECT_TRUE(local.ok()) << listen << ": " << local.status();
  }
}

TEST(GrpcBackendTlsUrl, TlsParametersNeedTlsAndGoInPairs) {
  absl::StatusOr<std::unique_ptr<Client>> ca_alone =
      Open("grpc://127.0.0.1:1?ca=/tmp/ca.pem");
  EXPECT_EQ(ca_alone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ca_alone.status().message(), HasSubstr("ca needs tls=1"));
  absl::StatusOr<std::unique_ptr<Client>> cert_alone =
      Open("grpc://127.0.0.1:1?tls=1&cert=/tmp/c.pem");
  EXPECT_EQ(cert_alone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cert_alone.status().message(), HasSubstr("cert and key"));
  absl::StatusOr<std::unique_ptr<Client>> no_token =
      Open("grpc://127.0.0.1:1?token_file=/nonexistent/token");
  EXPECT_EQ(no_token.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(no_token.status().message(), HasSubstr("/nonexistent/token"));
}

}  // namespace
}  // namespace kivi
