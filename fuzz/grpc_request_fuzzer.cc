// Fuzzes kivi-server's request validation through its public surface: a
// kivi::Server on loopback over memory://, called with every kivi.v1
// KeyValue RPC. The input is the serialized request (any bytes protobuf
// accepts for that message: unknown fields, out-of-range durations, keys
// and values of any bytes and size); the server must turn each into a
// definite answer.
//
// Input: byte 0 picks the RPC; the rest is the request message.
//
// Properties, beyond no crash, leak or hang of the server:
// - every call ends with OK or a status the API documents for bad input or
//   the store's state (InvalidArgument, NotFound, AlreadyExists, Aborted,
//   FailedPrecondition, OutOfRange, ResourceExhausted), never Unknown,
//   Internal, DataLoss or a deadline, and an error carries a message;
// - an OK Get returns at most max_value_bytes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/grpcpp.h"
#include "kivi/key_rules.h"
#include "kivi/server/server.h"
#include "kivi/v1/kv.grpc.pb.h"

namespace kivi {
namespace {

struct Fixture {
  std::unique_ptr<Server> server;
  std::unique_ptr<v1::KeyValue::Stub> stub;
};

Fixture& Get() {
  static Fixture* const fixture = [] {
    auto* f = new Fixture;
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    // Bounded, so a long run cannot fill memory with fuzzed values.
    options.backend_url = "memory://?max_bytes=64MiB&sweep_interval=0";
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options);
    KIVI_FUZZ_CHECK(server.ok());
    f->server = *std::move(server);
    f->stub = v1::KeyValue::NewStub(grpc::CreateChannel(
        f->server->address(), grpc::InsecureChannelCredentials()));
    return f;
  }();
  return *fixture;
}

void CheckStatus(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      KIVI_FUZZ_CHECK(!status.error_message().empty());
      return;
    default:
      std::fprintf(stderr, "unexpected status %d: %s\n",
                   static_cast<int>(status.error_code()),
                   status.error_message().c_str());
      KIVI_FUZZ_CHECK(false);
  }
}

// Parses `bytes` as the RPC's request and calls it. Bytes that are not a
// request message are protobuf's to reject (gRPC answers them itself), so
// they are skipped.
template <typename Request, typename Response>
void Call(grpc::Status (v1::KeyValue::Stub::*rpc)(grpc::ClientContext*,
                                                  const Request&, Response*),
          absl::string_view bytes, Response* response) {
  Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  CheckStatus((Get().stub.get()->*rpc)(&context, request, response));
}

template <typename Request, typename Response>
void Call(grpc::Status (v1::KeyValue::Stub::*rpc)(grpc::ClientContext*,
                                                  const Request&, Response*),
          absl::string_view bytes) {
  Response response;
  Call(rpc, bytes, &response);
}

}  // namespace
}  // namespace kivi

// Protobuf logs every string field with invalid UTF-8 it refuses; a
// fuzzer feeds it thousands a second.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kivi;
  using Stub = v1::KeyValue::Stub;
  if (size < 1) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 1),
                                size - 1);
  switch (data[0] % 20) {
    case 0: {
      v1::GetResponse response;
      Call(&Stub::Get, bytes, &response);
      KIVI_FUZZ_CHECK(response.value().size() <= kDefaultMaxValueBytes);
      break;
    }
    case 1:
      Call(&Stub::Set, bytes);
      break;
    case 2:
      Call(&Stub::Delete, bytes);
      break;
    case 3:
      Call(&Stub::List, bytes);
      break;
    case 4:
      Call(&Stub::BatchGet, bytes);
      break;
    case 5:
      Call(&Stub::BatchSet, bytes);
      break;
    case 6:
      Call(&Stub::BatchDelete, bytes);
      break;
    case 7:
      Call(&Stub::Add, bytes);
      break;
    case 8:
      Call(&Stub::Replace, bytes);
      break;
    case 9:
      Call(&Stub::Increment, bytes);
      break;
    case 10:
      Call(&Stub::GetVersioned, bytes);
      break;
    case 11:
      Call(&Stub::CompareAndSet, bytes);
      break;
    case 12:
      Call(&Stub::Touch, bytes);
      break;
    case 13:
      Call(&Stub::GetAndTouch, bytes);
      break;
    case 14:
      Call(&Stub::Append, bytes);
      break;
    case 15:
      Call(&Stub::Prepend, bytes);
      break;
    case 16:
      Call(&Stub::Flush, bytes);
      break;
    case 17:
      Call(&Stub::Stats, bytes);
      break;
    case 18:
      Call(&Stub::Health, bytes);
      break;
    case 19:
      Call(&Stub::Describe, bytes);
      break;
  }
  return 0;
}
