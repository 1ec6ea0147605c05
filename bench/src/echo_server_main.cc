// kivi-bench-echo-server: the bench's bare gRPC server (bench/proto). It is
// built as kivi-server is (gRPC's callback API, same receive limit) but
// answers without a store, so kivi-server's throughput against it measures
// what kivi adds to gRPC's own cost. With --sync it serves the same answers
// from gRPC's synchronous service instead: the server model kivi-server
// used before, which the bench keeps as the reference it must beat.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "grpcpp/grpcpp.h"
#include "kivibench/v1/echo.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "host:port to listen on; port 0 picks a free one");
ABSL_FLAG(bool, sync, false,
          "serve from gRPC's synchronous service instead of the callback API");

namespace {

// kivi-server's limit, so both refuse the same requests.
constexpr int kMaxReceiveMessageBytes = 64 << 20;
constexpr char kStoredPrefix[] = "bench:v";
constexpr char kMissPrefix[] = "bench:miss:";

// The value size encoded in "bench:v<size>:<i>"; 0 when the key has none.
size_t SizeFromKey(const std::string& key) {
  if (!absl::StartsWith(key, kStoredPrefix)) return 0;
  const size_t begin = sizeof(kStoredPrefix) - 1;
  const size_t colon = key.find(':', begin);
  size_t size = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(key).substr(begin, colon - begin),
                        &size)) {
    return 0;
  }
  return size;
}

// The answers, shared by both server models.
grpc::Status AnswerGet(const kivi::v1::GetRequest& request,
                       kivi::v1::GetResponse* response) {
  if (absl::StartsWith(request.key(), kMissPrefix)) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, request.key());
  }
  response->mutable_value()->assign(SizeFromKey(request.key()), 'x');
  return grpc::Status::OK;
}

grpc::Status AnswerBatchGet(const kivi::v1::BatchGetRequest& request,
                            kivi::v1::BatchGetResponse* response) {
  for (const std::string& key : request.keys()) {
    if (absl::StartsWith(key, kMissPrefix)) continue;
    kivi::v1::BatchGetResponse::Hit* hit = response->add_found();
    hit->set_key(key);
    hit->mutable_value()->assign(SizeFromKey(key), 'x');
  }
  return grpc::Status::OK;
}

// A call finished at once, on the thread that received it.
grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* context,
                                   const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

class CallbackEchoService final : public kivibench::v1::Echo::CallbackService {
 public:
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const kivi::v1::GetRequest* request,
                                kivi::v1::GetResponse* response) override {
    return Finished(context, AnswerGet(*request, response));
  }
  grpc::ServerUnaryReactor* Set(grpc::CallbackServerContext* context,
                                const kivi::v1::SetRequest*,
                                kivi::v1::SetResponse*) override {
    return Finished(context, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* BatchGet(
      grpc::CallbackServerContext* context,
      const kivi::v1::BatchGetRequest* request,
      kivi::v1::BatchGetResponse* response) override {
    return Finished(context, AnswerBatchGet(*request, response));
  }
};

class SyncEchoService final : public kivibench::v1::Echo::Service {
 public:
  grpc::Status Get(grpc::ServerContext*, const kivi::v1::GetRequest* request,
                   kivi::v1::GetResponse* response) override {
    return AnswerGet(*request, response);
  }
  grpc::Status Set(grpc::ServerContext*, const kivi::v1::SetRequest*,
                   kivi::v1::SetResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status BatchGet(grpc::ServerContext*,
                        const kivi::v1::BatchGetRequest* request,
                        kivi::v1::BatchGetResponse* response) override {
    return AnswerBatchGet(*request, response);
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string listen = absl::GetFlag(FLAGS_listen);
  CallbackEchoService callback_service;
  SyncEchoService sync_service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  if (absl::GetFlag(FLAGS_sync)) {
    builder.RegisterService(&sync_service);
  } else {
    builder.RegisterService(&callback_service);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    absl::FPrintF(stderr, "kivi-bench-echo-server cannot listen on %s\n",
                  listen);
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  absl::PrintF("kivi-bench-echo-server listening on %s:%d\n", host, port);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
