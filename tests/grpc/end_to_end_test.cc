// kivi.v1 end to end: a kivi::Client over grpc:// talking to an in-process
// kivi-server over memory://. Statuses must cross the wire unchanged.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kivi/grpc/grpc_backend.h"
#include "kivi/kivi.h"
#include "kivi/server/server.h"
#include "kivi/v1/kv.grpc.pb.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Server> StartServer(const std::string& backend_url) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start({.listen = "127.0.0.1:0", .backend_url = backend_url});
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<Client> OpenClient(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Client>> client = Open(url);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

// A loopback port nobody listens on: bound, then released.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

class GrpcEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer("memory://");
    ASSERT_NE(server_, nullptr);
    client_ = OpenClient(absl::StrCat("grpc://", server_->address()));
    ASSERT_NE(client_, nullptr);
  }

  // A raw stub, to send what kivi::Client would refuse to send.
  std::unique_ptr<v1::KeyValue::Stub> RawStub() const {
    return v1::KeyValue::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(GrpcEndToEnd, ValuesRoundTripAsBytes) {
  const std::string value("\0\xff binary\r\n", 12);
  ASSERT_TRUE(client_->Set("bin", value).ok());
  absl::StatusOr<std::string> got = client_->Get("bin");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, value);
}

TEST_F(GrpcEndToEnd, MissIsNotFoundNamingTheKey) {
  absl::StatusOr<std::string> got = client_->Get("absent");
  EXPECT_TRUE(absl::IsNotFound(got.status())) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("absent"));
}

TEST_F(GrpcEndToEnd, AddOfPresentKeyIsAlreadyExists) {
  ASSERT_TRUE(client_->Set("k", "v").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(client_->Add("k", "w")));
}

TEST_F(GrpcEndToEnd, ReplaceOfAbsentKeyIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(client_->Replace("absent", "v")));
}

TEST_F(GrpcEndToEnd, StaleCompareAndSetIsAborted) {
  ASSERT_TRUE(client_->Set("k", "v1").ok());
  absl::StatusOr<VersionedValue> seen = client_->GetVersioned("k");
  ASSERT_TRUE(seen.ok()) << seen.status();
  ASSERT_TRUE(client_->Set("k", "v2").ok());
  EXPECT_TRUE(
      absl::IsAborted(client_->CompareAndSet("k", "v3", seen->version)));
  EXPECT_EQ(*client_->Get("k"), "v2");
}

TEST_F(GrpcEndToEnd, NonNumericIncrementIsFailedPrecondition) {
  ASSERT_TRUE(client_->Set("n", "abc").ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(client_->Increment("n").status()));
}

TEST_F(GrpcEndToEnd, NegativeDeltaDecrements) {
  ASSERT_TRUE(client_->Set("n", "10").ok());
  absl::StatusOr<uint64_t> value = client_->Increment("n", -3);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 7u);
}

TEST_F(GrpcEndToEnd, CapabilitiesAreTheRemoteBackends) {
  std::unique_ptr<Client> local = OpenClient("memory://");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(client_->capabilities().ToString(),
            local->capabilities().ToString());
  EXPECT_EQ(client_->capabilities().ttl_resolution,
            local->capabilities().ttl_resolution);
}

TEST_F(GrpcEndToEnd, HealthNamesTheServerAndItsEndpoints) {
  const HealthReport report = client_->Health();
  EXPECT_TRUE(report.ok()) << report.ToString();
  ASSERT_GE(report.endpoints.size(), 2u);
  EXPECT_EQ(report.endpoints[0].endpoint, server_->address());
  EXPECT_THAT(report.endpoints[1].endpoint,
              HasSubstr(absl::StrCat(server_->address(), "/")));
}

TEST_F(GrpcEndToEnd, ServerValidatesKeysItself) {
  v1::SetRequest request;
  request.set_key("a b");
  request.set_value("v");
  v1::SetResponse response;
  grpc::ClientContext context;
  const grpc::Status status = RawStub()->Set(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("a b"));
}

TEST_F(GrpcEndToEnd, MalformedTtlIsInvalidArgument) {
  v1::SetRequest request;
  request.set_key("k");
  request.mutable_ttl()->set_seconds(1);
  request.mutable_ttl()->set_nanos(-1);
  v1::SetResponse response;
  grpc::ClientContext context;
  const grpc::Status status = RawStub()->Set(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("ttl"));
}

TEST_F(GrpcEndToEnd, IncrementCreatesUnlessToldNotTo) {
  v1::IncrementRequest request;
  request.set_key("counter");
  request.set_delta(1);
  request.set_initial(5);
  v1::IncrementResponse response;
  {
    grpc::ClientContext context;
    request.set_create(false);
    EXPECT_EQ(RawStub()->Increment(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    request.clear_create();  // Absent means create.
    ASSERT_TRUE(RawStub()->Increment(&context, request, &response).ok());
    EXPECT_EQ(response.value(), 5u);
  }
}

TEST_F(GrpcEndToEnd, ServerGoneIsUnavailableNotAMiss) {
  ASSERT_TRUE(client_->Set("k", "v").ok());
  server_->Shutdown(absl::ZeroDuration());
  server_.reset();
  absl::StatusOr<std::string> got = client_->Get("k");
  EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();
}

TEST(GrpcServerRules, ServerSideRuleViolationIsInvalidArgumentNamingTheKey) {
  // The remote store accepts smaller values than the client: only the
  // server can refuse, and its refusal must arrive unchanged.
  std::unique_ptr<Server> server = StartServer("memory://?max_value_bytes=8");
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Client> client =
      OpenClient(absl::StrCat("grpc://", server->address()));
  ASSERT_NE(client, nullptr);
  const absl::Status status = client->Set("big-key", "0123456789");
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("big-key"));
}

TEST(GrpcBackend, UnreachableServerIsUnavailableNamingTheAddress) {
  const std::string address = absl::StrCat("127.0.0.1:", ClosedPort());
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("grpc://", address, "?connect_timeout=200ms"));
  EXPECT_TRUE(absl::IsUnavailable(client.status())) << client.status();
  EXPECT_THAT(client.status().message(), HasSubstr(address));
}

// A kivi.v1 server that describes itself and then never answers a Get
// until released: a store too slow for the client's deadline.
class StalledGetService final : public v1::KeyValue::Service {
 public:
  grpc::Status Describe(grpc::ServerContext*, const v1::DescribeRequest*,
                        v1::DescribeResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status Get(grpc::ServerContext*, const v1::GetRequest*,
                   v1::GetResponse*) override {
    release_.WaitForNotification();
    return grpc::Status::OK;
  }
  void Release() { release_.Notify(); }

 private:
  absl::Notification release_;
};

TEST(GrpcBackend, MissedDeadlineIsDeadlineExceededNamingTheServer) {
  StalledGetService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::string address = absl::StrCat("127.0.0.1:", port);

  absl::StatusOr<std::unique_ptr<Backend>> backend =
      NewGrpcBackend({.target = address, .timeout = absl::Milliseconds(100)});
  ASSERT_TRUE(backend.ok()) << backend.status();
  absl::StatusOr<std::string> got = (*backend)->Get("k");
  service.Release();
  EXPECT_TRUE(absl::IsDeadlineExceeded(got.status())) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr(address));
  server->Shutdown();
}

TEST(GrpcBackendUrl, UnknownParameterIsInvalidArgumentNamingIt) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open("grpc://127.0.0.1:7070?bogus=1");
  EXPECT_TRUE(absl::IsInvalidArgument(client.status())) << client.status();
  EXPECT_THAT(client.status().message(), HasSubstr("bogus"));
}

TEST(GrpcBackendUrl, MalformedTimeoutIsInvalidArgumentNamingIt) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open("grpc://127.0.0.1:7070?timeout=soon");
  EXPECT_TRUE(absl::IsInvalidArgument(client.status())) << client.status();
  EXPECT_THAT(client.status().message(), HasSubstr("timeout"));
}

TEST(GrpcBackendUrl, AddressMustBeOneHostAndPort) {
  for (const char* url : {"grpc://", "grpc://localhost", "grpc://h:1,h:2",
                          "grpc://h:port", "grpc://127.0.0.1:7070/db"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(Open(url).status())) << url;
  }
}

TEST(GrpcServer, ListeningOnPortZeroBindsAFreePort) {
  std::unique_ptr<Server> server = StartServer("memory://");
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->address(), absl::StrCat("127.0.0.1:", server->port()));
}

TEST(GrpcServer, BusyPortIsUnavailableNamingTheAddress) {
  std::unique_ptr<Server> first = StartServer("memory://");
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<Server>> second =
      Server::Start({.listen = first->address(), .backend_url = "memory://"});
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr(first->address()));
}

TEST(GrpcServer, BadBackendUrlIsItsErrorNamingTheUrl) {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(
      {.listen = "127.0.0.1:0", .backend_url = "memory://?bogus=1"});
  EXPECT_TRUE(absl::IsInvalidArgument(server.status())) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("memory://?bogus=1"));
}

TEST(GrpcServer, ReflectionListsTheKeyValueService) {
  std::unique_ptr<Server> server = StartServer("memory://");
  ASSERT_NE(server, nullptr);
  grpc::GenericStub stub(grpc::CreateChannel(
      server->address(), grpc::InsecureChannelCredentials()));
  // ServerReflectionRequest{list_services: ""}: field 7, length 0. One
  // request and a half-close is a valid use of the bidi stream, so a unary
  // call carries it.
  const char request_bytes[] = {0x3a, 0x00};
  grpc::Slice slice(request_bytes, sizeof(request_bytes));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context,
                 "/grpc.reflection.v1alpha.ServerReflection/"
                 "ServerReflectionInfo",
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  EXPECT_THAT(bytes, HasSubstr("kivi.v1.KeyValue"));
}

}  // namespace
}  // namespace kivi
