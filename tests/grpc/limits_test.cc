// kivi-server's limits: an oversize message, batch or value is refused with
// a code and message that say which limit, and the server keeps serving.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"
#include "kivi/server/server.h"
#include "kivi/v1/kv.grpc.pb.h"

namespace kivi {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class ServerLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start({.listen = "127.0.0.1:0",
                       .limits = {.max_message_bytes = 4096,
                                  .max_batch_keys = 3,
                                  .max_value_bytes = 100}});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::KeyValue::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (v1::KeyValue::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    Response response;
    return (stub_.get()->*method)(&context, request, &response);
  }

  grpc::Status Set(const std::string& key, const std::string& value) {
    v1::SetRequest request;
    request.set_key(key);
    request.set_value(value);
    return Call(&v1::KeyValue::Stub::Set, request);
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::KeyValue::Stub> stub_;
};

TEST_F(ServerLimitsTest, OversizeMessageIsResourceExhausted) {
  grpc::Status status = Set("k", std::string(8192, 'x'));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("4096"));
  EXPECT_TRUE(Set("k", "small").ok());
}

TEST_F(ServerLimitsTest, OversizeBatchIsInvalidArgumentNamingTheLimit) {
  v1::BatchGetRequest get;
  v1::BatchDeleteRequest del;
  v1::BatchSetRequest set;
  for (int i = 0; i < 4; ++i) {
    get.add_keys(absl::StrCat("k", i));
    del.add_keys(absl::StrCat("k", i));
    v1::BatchSetRequest::Entry* entry = set.add_entries();
    entry->set_key(absl::StrCat("k", i));
    entry->set_value("v");
  }
  for (const grpc::Status& status :
       {Call(&v1::KeyValue::Stub::BatchGet, get),
        Call(&v1::KeyValue::Stub::BatchDelete, del),
        Call(&v1::KeyValue::Stub::BatchSet, set)}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(),
                AllOf(HasSubstr("4 keys"), HasSubstr("limit of 3"),
                      HasSubstr("max_batch_keys")));
  }
  get.mutable_keys()->RemoveLast();
  EXPECT_TRUE(Call(&v1::KeyValue::Stub::BatchGet, get).ok());
}

TEST_F(ServerLimitsTest, OversizeValueIsInvalidArgumentNamingTheKey) {
  const std::string big(101, 'x');
  grpc::Status set = Set("big", big);
  EXPECT_EQ(set.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(set.error_message(),
              AllOf(HasSubstr("\"big\""), HasSubstr("101 bytes"),
                    HasSubstr("max_value_bytes")));

  v1::BatchSetRequest batch;
  v1::BatchSetRequest::Entry* ok = batch.add_entries();
  ok->set_key("fine");
  ok->set_value("v");
  v1::BatchSetRequest::Entry* over = batch.add_entries();
  over->set_key("too-big");
  over->set_value(big);
  grpc::Status batch_status = Call(&v1::KeyValue::Stub::BatchSet, batch);
  EXPECT_EQ(batch_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(batch_status.error_message(), HasSubstr("\"too-big\""));

  v1::AppendRequest append;
  append.set_key("k");
  append.set_value(big);
  EXPECT_EQ(Call(&v1::KeyValue::Stub::Append, append).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Nothing of the refused batch was written; the limit itself is fine.
  v1::GetRequest get;
  get.set_key("fine");
  EXPECT_EQ(Call(&v1::KeyValue::Stub::Get, get).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Set("k", std::string(100, 'x')).ok());
}

TEST_F(ServerLimitsTest, MalformedProtobufIsInvalidArgumentNamingTheType) {
  grpc::GenericStub generic(grpc::CreateChannel(
      server_->address(), grpc::InsecureChannelCredentials()));
  // Field 1 as a length-delimited string claiming 100 bytes that never come.
  const std::string bytes =
      "\x0a\x64"
      "abc";
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::CompletionQueue queue;
  grpc::Status status;
  auto call = generic.PrepareUnaryCall(&context, "/kivi.v1.KeyValue/Set",
                                       request, &queue);
  call->StartCall();
  call->Finish(&response, &status, nullptr);
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&tag, &ok));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr("kivi.v1.SetRequest"), HasSubstr("5 bytes")));
  EXPECT_TRUE(Set("k", "still served").ok());
}

TEST_F(ServerLimitsTest, ABadEntryInABatchIsNamedByItsPosition) {
  v1::BatchSetRequest request;
  for (const char* key : {"a", "b", "bad key"}) {
    v1::BatchSetRequest::Entry* entry = request.add_entries();
    entry->set_key(key);
    entry->set_value("v");
  }
  grpc::Status status = Call(&v1::KeyValue::Stub::BatchSet, request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("entries[2]: key"));

  request.mutable_entries(2)->set_key("c");
  request.mutable_entries(1)->set_value(std::string(101, 'x'));
  status = Call(&v1::KeyValue::Stub::BatchSet, request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("entries[1]: "));

  v1::BatchGetRequest get;
  get.add_keys("a");
  get.add_keys("b\n");
  status = Call(&v1::KeyValue::Stub::BatchGet, get);
  EXPECT_THAT(status.error_message(), HasSubstr("keys[1]: key"));
}

TEST_F(ServerLimitsTest, KiviClientsSeeTheValueLimitAsInvalidArgument) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("grpc://", server_->address()));
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Status status = (*client)->Set("k", std::string(101, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

TEST(ServerLimitsOptions, ZeroLimitsAreInvalidArgumentNamingThem) {
  for (auto [limits, name] :
       {std::pair{ServerLimits{.max_message_bytes = 0}, "max_message_bytes"},
        std::pair{ServerLimits{.max_batch_keys = 0}, "max_batch_keys"},
        std::pair{ServerLimits{.max_value_bytes = 0}, "max_value_bytes"}}) {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start({.listen = "127.0.0.1:0", .limits = limits});
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(server.status().message(), HasSubstr(name));
  }
}

}  // namespace
}  // namespace kivi
