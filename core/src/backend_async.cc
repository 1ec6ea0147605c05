// Backend's asynchronous entry point: the default that runs the
// synchronous methods on the client's executor.

#include <utility>

#include "absl/strings/str_cat.h"
#include "kivi/backend.h"

namespace kivi {
namespace {

// Moves a StatusOr's value into `*field`, returning its status.
template <typename T>
absl::Status Take(absl::StatusOr<T> result, T* field) {
  if (!result.ok()) return result.status();
  *field = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

AsyncReply Backend::Execute(const AsyncRequest& r) {
  AsyncReply reply;
  switch (r.operation) {
    case Operation::kGet:
      reply.status = Take(Get(r.key), &reply.value);
      break;
    case Operation::kSet:
      reply.status = Set(r.key, r.value, r.ttl);
      break;
    case Operation::kDelete:
      reply.status = Delete(r.key);
      break;
    case Operation::kList:
      reply.status = Take(List(r.key), &reply.keys);
      break;
    case Operation::kBatchGet:
      reply.status = Take(BatchGet(r.keys), &reply.batch_get);
      break;
    case Operation::kBatchSet:
      reply.status = Take(BatchSet(r.entries, r.ttl), &reply.batch_write);
      break;
    case Operation::kBatchDelete:
      reply.status = Take(BatchDelete(r.keys), &reply.batch_write);
      break;
    case Operation::kAdd:
      reply.status = Add(r.key, r.value, r.ttl);
      break;
    case Operation::kReplace:
      reply.status = Replace(r.key, r.value, r.ttl);
      break;
    case Operation::kIncrement:
    case Operation::kDecrement:
      reply.status = Take(Increment(r.key, r.delta, r.initial, r.create, r.ttl),
                          &reply.number);
      break;
    case Operation::kGetVersioned: {
      absl::StatusOr<VersionedValue> got = GetVersioned(r.key);
      reply.status = got.status();
      if (got.ok()) {
        reply.value = std::move(got->value);
        reply.number = got->version;
      }
      break;
    }
    case Operation::kCompareAndSet:
      reply.status = CompareAndSet(r.key, r.value, r.version, r.ttl);
      break;
    case Operation::kTouch:
      reply.status = Touch(r.key, r.ttl);
      break;
    case Operation::kGetAndTouch:
      reply.status = Take(GetAndTouch(r.key, r.ttl), &reply.value);
      break;
    case Operation::kAppend:
      reply.status = Append(r.key, r.value);
      break;
    case Operation::kPrepend:
      reply.status = Prepend(r.key, r.value);
      break;
    case Operation::kFlush:
      reply.status = Flush(r.ttl);
      break;
    case Operation::kStats:
      reply.status = Take(Stats(), &reply.stats);
      break;
    case Operation::kGetOrSet:
      reply.status = absl::InvalidArgumentError(
          "GetOrSet cannot be submitted: its loader is the caller's code");
      break;
  }
  return reply;
}

void Backend::Submit(AsyncRequest request, AsyncDone done, Executor& executor) {
  // The task owns both, so that a refused one still has `done` to call.
  struct Call {
    Backend* backend;
    AsyncRequest request;
    AsyncDone done;
  };
  auto call =
      std::make_unique<Call>(Call{this, std::move(request), std::move(done)});
  Call* raw = call.get();
  Executor::Task task = [call = std::move(call)]() mutable {
    std::move(call->done)(call->backend->Execute(call->request));
  };
  if (executor.Schedule(task)) return;
  AsyncReply refused;
  refused.status = absl::ResourceExhaustedError(absl::StrCat(
      OperationName(raw->request.operation),
      ": the client's executor already has ", executor.options().max_queued,
      " calls waiting (ClientOptions::executor.max_queued)"));
  std::move(raw->done)(std::move(refused));
}

}  // namespace kivi
