# Run as `cmake -DFILE=<kv.grpc.pb.cc> -P typed_handlers.cmake` after protoc.
#
# gRPC's generated server handlers parse every request through the one
# type-independent path, RpcMethodHandler<..., MessageLite, MessageLite>, so
# a request that is not valid protobuf is answered with INTERNAL and an empty
# message, and no per-message serialization traits can apply. Dropping the
# two MessageLite arguments makes the handlers parse each request as its own
# type, through the traits in kivi/v1/request_parsing.h (INVALID_ARGUMENT
# naming the type). A generator that no longer writes the pattern fails the
# build here rather than silently losing the behaviour. (kivi-server itself
# serves the callback API, whose methods it registers raw and parses with
# the same traits: server/src/key_value_service.cc.)
file(READ "${FILE}" generated)
set(pattern ", ::grpc::protobuf::MessageLite, ::grpc::protobuf::MessageLite>(")
string(FIND "${generated}" "${pattern}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "${FILE}: no RpcMethodHandler<..., MessageLite, "
                      "MessageLite> to make typed; see typed_handlers.cmake")
endif()
string(REPLACE "${pattern}" ">(" generated "${generated}")
file(WRITE "${FILE}" "${generated}")
