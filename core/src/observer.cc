// The observer's vocabulary, and how a Client call becomes its events.

#include "kivi/observer.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "kivi/client.h"

namespace kivi {

absl::string_view OperationName(Operation operation) {
  switch (operation) {
    case Operation::kGet:
      return "Get";
    case Operation::kSet:
      return "Set";
    case Operation::kDelete:
      return "Delete";
    case Operation::kList:
      return "List";
    case Operation::kBatchGet:
      return "BatchGet";
    case Operation::kBatchSet:
      return "BatchSet";
    case Operation::kBatchDelete:
      return "BatchDelete";
    case Operation::kGetOrSet:
      return "GetOrSet";
    case Operation::kAdd:
      return "Add";
    case Operation::kReplace:
      return "Replace";
    case Operation::kIncrement:
      return "Increment";
    case Operation::kDecrement:
      return "Decrement";
    case Operation::kGetVersioned:
      return "GetVersioned";
    case Operation::kCompareAndSet:
      return "CompareAndSet";
    case Operation::kTouch:
      return "Touch";
    case Operation::kGetAndTouch:
      return "GetAndTouch";
    case Operation::kAppend:
      return "Append";
    case Operation::kPrepend:
      return "Prepend";
    case Operation::kFlush:
      return "Flush";
    case Operation::kStats:
      return "Stats";
  }
  return "Unknown";
}

bool IsWrite(Operation operation) {
  switch (operation) {
    case Operation::kSet:
    case Operation::kDelete:
    case Operation::kBatchSet:
    case Operation::kBatchDelete:
    case Operation::kAdd:
    case Operation::kReplace:
    case Operation::kIncrement:
    case Operation::kDecrement:
    case Operation::kCompareAndSet:
    case Operation::kAppend:
    case Operation::kPrepend:
    case Operation::kFlush:
      return true;
    default:
      return false;
  }
}

void Client::Report(Operation operation, const ObservedKeys& keys,
                    absl::Time start, const absl::Status& status,
                    const Outcome& outcome) const {
  OperationEvent event{.operation = operation,
                       .backend = options_.backend_name,
                       .keys = keys.count,
                       .code = status.code(),
                       .latency = absl::Now() - start};
  switch (operation) {
    case Operation::kGet:
    case Operation::kGetAndTouch:
    case Operation::kGetVersioned:
      if (status.ok()) event.hits = 1;
      if (absl::IsNotFound(status)) event.misses = 1;
      break;
    default:
      break;
  }
  if (const BatchGetResult* r = outcome.batch_get; r != nullptr) {
    // Repeated keys are looked up once, so hits and misses count distinct
    // keys: every key looked up is found, failed or missing.
    size_t distinct = keys.count;
    if (keys.count > 1) {
      absl::flat_hash_set<absl::string_view> seen(keys.many.begin(),
                                                  keys.many.end());
      distinct = seen.size();
    }
    event.hits = r->found.size();
    event.failed_keys = r->failed.size();
    const size_t answered = event.hits + event.failed_keys;
    event.misses = distinct > answered ? distinct - answered : 0;
  }
  if (outcome.batch_write != nullptr) {
    event.failed_keys = outcome.batch_write->failed.size();
  }
  observer_->OnOperation(event);
  if (!IsWrite(operation)) return;

  // A single key needs no allocation.
  const absl::string_view one[1] = {keys.one};
  std::vector<absl::string_view> many;
  absl::Span<const absl::string_view> written;
  if (keys.count == 1 && keys.many.empty() && keys.entries.empty()) {
    written = one;
  } else {
    many.reserve(keys.count);
    for (const std::string& key : keys.many) many.push_back(key);
    for (const KeyValue& entry : keys.entries) many.push_back(entry.key);
    written = many;
  }
  observer_->OnWrite(WriteEvent{.operation = operation,
                                .backend = options_.backend_name,
                                .keys = written,
                                .all_keys = operation == Operation::kFlush,
                                .status = status,
                                .failed = outcome.batch_write == nullptr
                                              ? nullptr
                                              : &outcome.batch_write->failed});
}

}  // namespace kivi
