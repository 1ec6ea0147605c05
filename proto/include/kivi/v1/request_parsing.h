#ifndef KIVI_V1_REQUEST_PARSING_H_
#define KIVI_V1_REQUEST_PARSING_H_

// How kivi-server reads kivi.v1 requests off the wire. Included by the
// generated kv.grpc.pb.h (protoc's additional_header_includes; see
// proto/CMakeLists.txt), after kv.pb.h and before any gRPC code that
// instantiates these traits, so every user of the stubs sees the same ones.
//
// gRPC's own traits answer a request that is not valid protobuf with
// INTERNAL and an empty message (proto3 messages have no required fields
// for it to name). kivi-server's callback service registers its methods raw
// and parses each request through these traits itself
// (server/src/unary_reply.h): gRPC's typed callback handlers would answer a
// failed parse with an empty UNIMPLEMENTED. The generated synchronous
// service's handlers use them too, because the build makes them parse each
// request as its own type (proto/typed_handlers.cmake; gRPC's generator
// parses all of them as MessageLite). A malformed request is
// the caller's error, so these say INVALID_ARGUMENT and name the message type
// and its size; everything else (serializing, a well-formed request) is gRPC's
// own code path.

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <string>

#include "kivi/v1/kv.pb.h"

namespace kivi::v1::internal {

// The status for `buffer` (of `size` bytes) that did not parse as `type`.
inline grpc::Status MalformedRequest(const char* type, size_t size,
                                     const grpc::Status& parsed) {
  std::string message = std::string("request is not a valid ") + type +
                        " protobuf message (" + std::to_string(size) +
                        " bytes)";
  if (!parsed.error_message().empty()) {
    message += ": " + parsed.error_message();
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

}  // namespace kivi::v1::internal

#define KIVI_V1_REQUEST_PARSING(Message)                                       \
  template <>                                                                  \
  class grpc::SerializationTraits<::kivi::v1::Message, void> {                 \
   public:                                                                     \
    static grpc::Status Serialize(const grpc::protobuf::MessageLite& msg,      \
                                  grpc::ByteBuffer* bb, bool* own_buffer) {    \
      return grpc::GenericSerialize<grpc::ProtoBufferWriter,                   \
                                    ::kivi::v1::Message>(msg, bb, own_buffer); \
    }                                                                          \
    static grpc::Status Deserialize(grpc::ByteBuffer* buffer,                  \
                                    grpc::protobuf::MessageLite* msg) {        \
      const size_t size = buffer == nullptr ? 0 : buffer->Length();            \
      grpc::Status parsed =                                                    \
          grpc::GenericDeserialize<grpc::ProtoBufferReader,                    \
                                   ::kivi::v1::Message>(buffer, msg);          \
      if (parsed.ok()) return parsed;                                          \
      return ::kivi::v1::internal::MalformedRequest("kivi.v1." #Message, size, \
                                                    parsed);                   \
    }                                                                          \
  };

KIVI_V1_REQUEST_PARSING(GetRequest)
KIVI_V1_REQUEST_PARSING(SetRequest)
KIVI_V1_REQUEST_PARSING(DeleteRequest)
KIVI_V1_REQUEST_PARSING(ListRequest)
KIVI_V1_REQUEST_PARSING(BatchGetRequest)
KIVI_V1_REQUEST_PARSING(BatchSetRequest)
KIVI_V1_REQUEST_PARSING(BatchDeleteRequest)
KIVI_V1_REQUEST_PARSING(AddRequest)
KIVI_V1_REQUEST_PARSING(ReplaceRequest)
KIVI_V1_REQUEST_PARSING(IncrementRequest)
KIVI_V1_REQUEST_PARSING(GetVersionedRequest)
KIVI_V1_REQUEST_PARSING(CompareAndSetRequest)
KIVI_V1_REQUEST_PARSING(TouchRequest)
KIVI_V1_REQUEST_PARSING(GetAndTouchRequest)
KIVI_V1_REQUEST_PARSING(AppendRequest)
KIVI_V1_REQUEST_PARSING(PrependRequest)
KIVI_V1_REQUEST_PARSING(FlushRequest)
KIVI_V1_REQUEST_PARSING(StatsRequest)
KIVI_V1_REQUEST_PARSING(HealthRequest)
KIVI_V1_REQUEST_PARSING(DescribeRequest)

#undef KIVI_V1_REQUEST_PARSING

#endif  // KIVI_V1_REQUEST_PARSING_H_
