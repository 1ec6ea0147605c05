#include "integration/async_stress/stress_load.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kivi::testing {

namespace {
constexpr int64_t kSamplesPerKind = 4;
}  // namespace

// An asynchronous caller: one thread that starts a call for each of its
// slots and starts a slot's next call when the callback hands it back.
struct StressLoad::Caller {
  int first_actor = 0;
  // Per slot: the id of its outstanding call, 0 when none.
  std::unique_ptr<std::atomic<uint64_t>[]> outstanding;
  std::mutex mu;
  std::condition_variable wake;
  std::vector<int> ready;  // Guarded by mu: slots whose call completed.
  std::mt19937 rng;
  std::thread thread;
};

std::string StressReport::ToString() const {
  std::string out = absl::StrCat(
      "calls=", calls, " (async ", async_calls, ") ok=", ok_calls,
      " failed=", failed_calls, " checked=", values_checked, " wrong=", wrong,
      " late=", late, " unexpected_errors=", unexpected_errors,
      " unnamed_errors=", unnamed_errors,
      " callbacks issued=", callbacks_issued, " repeated=", callbacks_repeated,
      " missing=", callbacks_missing,
      " slowest sync=", absl::FormatDuration(slowest_sync),
      " async=", absl::FormatDuration(slowest_async), " (",
      slowest_async_operation, ") errors:");
  for (int code = 1; code < 17; ++code) {
    if (errors_by_code[code] == 0) continue;
    absl::StrAppend(
        &out, " ",
        absl::StatusCodeToString(static_cast<absl::StatusCode>(code)), "=",
        errors_by_code[code]);
  }
  for (const std::string& sample : samples)
    absl::StrAppend(&out, "\n  ", sample);
  return out;
}

StressLoad::StressLoad(Client& client, StressLedger& ledger,
                       StressOptions options)
    : client_(client), ledger_(ledger), options_(std::move(options)) {}

StressLoad::~StressLoad() {
  if (!stopping_.load()) Stop(options_.timeout + options_.margin);
}

int StressLoad::KeysNeeded(const StressOptions& options) {
  return (options.sync_threads + options.async_callers * options.in_flight) *
         options.keys_per_actor;
}

void StressLoad::Start() {
  for (int t = 0; t < options_.sync_threads; ++t) {
    threads_.emplace_back([this, t] { RunSync(t); });
  }
  for (int c = 0; c < options_.async_callers; ++c) {
    auto caller = std::make_unique<Caller>();
    caller->first_actor = options_.sync_threads + c * options_.in_flight;
    caller->outstanding =
        std::make_unique<std::atomic<uint64_t>[]>(options_.in_flight);
    caller->rng.seed(1000 + c);
    callers_.push_back(std::move(caller));
  }
  for (const std::unique_ptr<Caller>& caller : callers_) {
    Caller* c = caller.get();
    c->thread = std::thread([this, c] { RunCaller(*c); });
  }
}

void StressLoad::Stop(absl::Duration wait) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_deadline_ = absl::Now() + wait;
  }
  stopping_.store(true);
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  for (const std::unique_ptr<Caller>& caller : callers_) {
    caller->wake.notify_all();
    caller->thread.join();
    for (int s = 0; s < options_.in_flight; ++s) {
      const uint64_t id = caller->outstanding[s].load();
      if (id != 0) {
        Problem(callbacks_missing_,
                absl::StrCat("callback of call ", id, " not called within ",
                             absl::FormatDuration(wait), " of Stop"));
      }
    }
  }
}

const char* StressLoad::KindName(Kind kind) {
  switch (kind) {
    case Kind::kSet:
      return "Set";
    case Kind::kGet:
      return "Get";
    case Kind::kDelete:
      return "Delete";
    case Kind::kBatchGet:
      return "BatchGet";
    case Kind::kBatchSet:
      return "BatchSet";
  }
  return "?";
}

StressLoad::Op StressLoad::NextOp(int actor, uint32_t draw, bool batches) {
  const int per = options_.keys_per_actor;
  const int base = actor * per;
  const int key = base + static_cast<int>(draw % per);
  const uint32_t pick = (draw / per) % (batches ? 100 : 80);
  Op op;
  if (pick < 35) {
    op.kind = Kind::kSet;
    op.keys = {key};
    op.values = {ledger_.NextValue(key)};
  } else if (pick < 70) {
    op.kind = Kind::kGet;
    op.keys = {key};
  } else if (pick < 80) {
    op.kind = Kind::kDelete;
    op.keys = {key};
    op.values = {std::nullopt};
  } else {
    op.kind = pick < 90 ? Kind::kBatchGet : Kind::kBatchSet;
    for (int k = base; k < base + per; ++k) {
      op.keys.push_back(k);
      if (op.kind == Kind::kBatchSet) op.values.push_back(ledger_.NextValue(k));
    }
  }
  op.epoch = ledger_.epoch();
  op.start = absl::Now();
  return op;
}

void StressLoad::RunSync(int actor) {
  std::mt19937 rng(actor);
  while (!stopping_.load()) {
    const Op op = NextOp(actor, rng(), true);
    const int64_t failed_before = failed_calls_.load();
    const std::string& key = ledger_.key(op.keys[0]);
    switch (op.kind) {
      case Kind::kSet:
        RecordWrite(op, client_.Set(key, *op.values[0]));
        break;
      case Kind::kGet:
        RecordGet(op, client_.Get(key));
        break;
      case Kind::kDelete:
        RecordWrite(op, client_.Delete(key));
        break;
      case Kind::kBatchGet: {
        std::vector<std::string> keys;
        for (int k : op.keys) keys.push_back(ledger_.key(k));
        RecordBatchGet(op, client_.BatchGet(keys));
        break;
      }
      case Kind::kBatchSet: {
        std::vector<KeyValue> entries;
        for (size_t i = 0; i < op.keys.size(); ++i) {
          entries.push_back({ledger_.key(op.keys[i]), *op.values[i]});
        }
        RecordBatchWrite(op, client_.BatchSet(entries));
        break;
      }
    }
    // A server marked down fails calls in microseconds: a short pause after
    // a failure keeps these threads from starving the rest of the machine.
    if (failed_calls_.load() != failed_before) {
      absl::SleepFor(absl::Microseconds(500));
    }
  }
}

void StressLoad::RunCaller(Caller& caller) {
  for (int s = 0; s < options_.in_flight; ++s) Issue(caller, s, caller.rng());
  std::vector<int> ready;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(caller.mu);
      caller.wake.wait_for(lock, std::chrono::milliseconds(20), [&] {
        return !caller.ready.empty() || stopping_.load();
      });
      ready.swap(caller.ready);
    }
    if (!stopping_.load()) {
      for (int s : ready) Issue(caller, s, caller.rng());
      ready.clear();
      continue;
    }
    ready.clear();
    bool idle = true;
    for (int s = 0; s < options_.in_flight && idle; ++s) {
      idle = caller.outstanding[s].load() == 0;
    }
    absl::Time deadline;
    {
      std::lock_guard<std::mutex> lock(mu_);
      deadline = stop_deadline_;
    }
    if (idle || absl::Now() > deadline) return;
  }
}

void StressLoad::Issue(Caller& caller, int slot, uint32_t draw) {
  Op op = NextOp(caller.first_actor + slot, draw, options_.async_batches);
  op.slot = slot;
  op.id = ++next_id_;
  caller.outstanding[slot].store(op.id);
  ++callbacks_issued_;
  const std::string& key = ledger_.key(op.keys[0]);
  Caller* c = &caller;
  switch (op.kind) {
    case Kind::kSet: {
      const std::string value = *op.values[0];
      client_.SetAsync(key, value, SetOptions{},
                       [this, c, op = std::move(op)](absl::Status s) {
                         RecordWrite(op, s);
                         Completed(*c, op);
                       });
      break;
    }
    case Kind::kGet:
      client_.GetAsync(
          key, [this, c, op = std::move(op)](absl::StatusOr<std::string> got) {
            RecordGet(op, got);
            Completed(*c, op);
          });
      break;
    case Kind::kDelete:
      client_.DeleteAsync(key, [this, c, op = std::move(op)](absl::Status s) {
        RecordWrite(op, s);
        Completed(*c, op);
      });
      break;
    case Kind::kBatchGet: {
      std::vector<std::string> keys;
      for (int k : op.keys) keys.push_back(ledger_.key(k));
      client_.BatchGetAsync(keys, [this, c, op = std::move(op)](
                                      absl::StatusOr<BatchGetResult> got) {
        RecordBatchGet(op, got);
        Completed(*c, op);
      });
      break;
    }
    case Kind::kBatchSet: {
      std::vector<KeyValue> entries;
      for (size_t i = 0; i < op.keys.size(); ++i) {
        entries.push_back({ledger_.key(op.keys[i]), *op.values[i]});
      }
      client_.BatchSetAsync(
          entries, SetOptions{},
          [this, c, op = std::move(op)](absl::StatusOr<BatchWriteResult> got) {
            RecordBatchWrite(op, got);
            Completed(*c, op);
          });
      break;
    }
  }
}

void StressLoad::Completed(Caller& caller, const Op& op) {
  ++async_calls_;
  uint64_t expected = op.id;
  if (!caller.outstanding[op.slot].compare_exchange_strong(expected, 0)) {
    Problem(callbacks_repeated_,
            absl::StrCat("callback of call ", op.id, " (slot ", op.slot,
                         ") called again or after its slot moved on"));
    return;
  }
  std::lock_guard<std::mutex> lock(caller.mu);
  caller.ready.push_back(op.slot);
  caller.wake.notify_one();
}

void StressLoad::RecordWrite(const Op& op, const absl::Status& status) {
  RecordTime(op);
  if (status.ok()) {
    ++ok_calls_;
    ledger_.Acknowledged(op.keys[0], op.values[0], op.epoch);
    return;
  }
  ++failed_calls_;
  CheckError(op.kind == Kind::kSet ? "Set" : "Delete", status);
  ledger_.Failed(op.keys[0], op.values[0]);
}

void StressLoad::RecordGet(const Op& op,
                           const absl::StatusOr<std::string>& got) {
  RecordTime(op);
  if (got.ok()) {
    ++ok_calls_;
    CheckRead(op.keys[0], *got);
  } else if (absl::IsNotFound(got.status())) {
    ++ok_calls_;
    CheckRead(op.keys[0], std::nullopt);
  } else {
    ++failed_calls_;
    CheckError("Get", got.status());
  }
}

void StressLoad::RecordBatchGet(const Op& op,
                                const absl::StatusOr<BatchGetResult>& got) {
  RecordTime(op);
  if (!got.ok()) {
    ++failed_calls_;
    CheckError("BatchGet", got.status());
    return;
  }
  ++ok_calls_;
  size_t known = 0;
  for (int k : op.keys) {
    const std::string& key = ledger_.key(k);
    if (auto it = got->found.find(key); it != got->found.end()) {
      ++known;
      CheckRead(k, it->second);
    } else if (auto f = got->failed.find(key); f != got->failed.end()) {
      ++known;
      ++failed_calls_;
      CheckError("BatchGet", f->second);
    } else {
      CheckRead(k, std::nullopt);
    }
  }
  if (known != got->found.size() + got->failed.size()) {
    Problem(wrong_, absl::StrCat("BatchGet of ", ledger_.key(op.keys[0]),
                                 "... returned keys it was not asked for"));
  }
}

void StressLoad::RecordBatchWrite(const Op& op,
                                  const absl::StatusOr<BatchWriteResult>& got) {
  RecordTime(op);
  if (!got.ok()) {
    ++failed_calls_;
    CheckError("BatchSet", got.status());
    for (size_t i = 0; i < op.keys.size(); ++i) {
      ledger_.Failed(op.keys[i], op.values[i]);
    }
    return;
  }
  ++ok_calls_;
  for (size_t i = 0; i < op.keys.size(); ++i) {
    auto f = got->failed.find(ledger_.key(op.keys[i]));
    if (f == got->failed.end()) {
      ledger_.Acknowledged(op.keys[i], op.values[i], op.epoch);
    } else {
      ++failed_calls_;
      CheckError("BatchSet", f->second);
      ledger_.Failed(op.keys[i], op.values[i]);
    }
  }
}

void StressLoad::RecordTime(const Op& op) {
  ++calls_;
  const absl::Duration took = absl::Now() - op.start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Duration& slowest = slowest_[op.slot >= 0 ? 1 : 0];
    if (took > slowest) {
      slowest = took;
      if (op.slot >= 0) slowest_async_operation_ = KindName(op.kind);
    }
  }
  if (took > options_.timeout + options_.margin) {
    Problem(late_,
            absl::StrCat(KindName(op.kind), " of ", ledger_.key(op.keys[0]),
                         " took ", absl::FormatDuration(took), " (",
                         op.slot >= 0 ? "async" : "sync", ")"));
  }
}

void StressLoad::CheckError(const std::string& what,
                            const absl::Status& status) {
  const int code = static_cast<int>(status.code());
  if (code > 0 && code < 17) ++errors_by_code_[code];
  if (std::find(options_.allowed_errors.begin(), options_.allowed_errors.end(),
                status.code()) == options_.allowed_errors.end()) {
    Problem(unexpected_errors_,
            absl::StrCat(what, ": unexpected error ", status.ToString()));
  }
  if (!options_.server.empty() &&
      status.message().find(options_.server) == absl::string_view::npos) {
    Problem(unnamed_errors_,
            absl::StrCat(what, ": error names no server: ", status.ToString()));
  }
}

void StressLoad::CheckRead(int key, const std::optional<std::string>& got) {
  ++values_checked_;
  std::string wrong = ledger_.Check(key, got);
  if (!wrong.empty()) Problem(wrong_, std::move(wrong));
}

void StressLoad::Problem(std::atomic<int64_t>& counter, std::string sample) {
  // A few samples of each kind, so that one kind cannot hide another.
  if (++counter > kSamplesPerKind) return;
  std::lock_guard<std::mutex> lock(mu_);
  samples_.push_back(std::move(sample));
}

void StressLoad::VerifyAll() {
  for (int k = 0; k < ledger_.size(); ++k) {
    Op op;
    op.kind = Kind::kGet;
    op.keys = {k};
    op.start = absl::Now();
    RecordGet(op, client_.Get(ledger_.key(k)));
  }
}

StressReport StressLoad::report() const {
  StressReport r;
  r.calls = calls_.load();
  r.async_calls = async_calls_.load();
  r.ok_calls = ok_calls_.load();
  r.failed_calls = failed_calls_.load();
  r.values_checked = values_checked_.load();
  r.wrong = wrong_.load();
  r.late = late_.load();
  r.unexpected_errors = unexpected_errors_.load();
  r.unnamed_errors = unnamed_errors_.load();
  r.callbacks_issued = callbacks_issued_.load();
  r.callbacks_repeated = callbacks_repeated_.load();
  r.callbacks_missing = callbacks_missing_.load();
  std::lock_guard<std::mutex> lock(mu_);
  for (int code = 0; code < 17; ++code) {
    r.errors_by_code[code] = errors_by_code_[code].load();
  }
  r.slowest_sync = slowest_[0];
  r.slowest_async = slowest_[1];
  r.slowest_async_operation = slowest_async_operation_;
  r.samples = samples_;
  return r;
}

}  // namespace kivi::testing
