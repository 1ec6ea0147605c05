#include "integration/differential/operation.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kivi::testing {
namespace {

template <typename T>
const T& Pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
}

bool Chance(std::mt19937_64& rng, double p) {
  return std::bernoulli_distribution(p)(rng);
}

const std::vector<std::string>& Keys() {
  static const auto* keys = new std::vector<std::string>{
      "a", "b", "n", "m", "x:1", "x:2", "x:10", "y"};
  return *keys;
}

// Keys every store refuses: empty, whitespace, too long with the namespace.
const std::vector<std::string>& BadKeys() {
  static const auto* keys =
      new std::vector<std::string>{"", "a b", "tab\t", std::string(250, 'k')};
  return *keys;
}

const std::vector<std::string>& Values() {
  static const auto* values = new std::vector<std::string>{
      "",
      "v",
      "hello world",
      "0",
      "7",
      "9",
      "10",
      "100",
      "007",
      " 5",
      "5 ",
      "+5",
      "-0",
      "-1",
      "-18446744073709551615",
      "\t7",
      "5 abc",
      std::string("5\0x", 3),
      "0x5",
      "abc",
      "18446744073709551614",
      "18446744073709551615",
      "18446744073709551616",
      "0000000000000000000000042",
      std::string(100000, '0') + "7",
      std::string(100000, 'z'),
      std::string(kDefaultMaxValueBytes, 'm'),
      std::string(kDefaultMaxValueBytes + 1, 'o'),
  };
  return *values;
}

const std::vector<absl::Duration>& Ttls() {
  static const auto* ttls = new std::vector<absl::Duration>{
      absl::ZeroDuration(),
      absl::Hours(1),
      absl::Hours(24),
      absl::Hours(24 * 30) - absl::Seconds(1),
      absl::Hours(24 * 30) - absl::Milliseconds(500),
      absl::Hours(24 * 30),
      absl::Hours(24 * 30) + absl::Seconds(1),
      kMaxTtl,
      kMaxTtl + absl::Nanoseconds(1),
      absl::Nanoseconds(-1),
      absl::InfiniteDuration(),
  };
  return *ttls;
}

std::string Key(std::mt19937_64& rng) {
  return Chance(rng, 0.03) ? Pick(rng, BadKeys()) : Pick(rng, Keys());
}

std::string Value(std::mt19937_64& rng) {
  // The two largest values are costly to send four times: rarely.
  const std::vector<std::string>& values = Values();
  if (Chance(rng, 0.97)) {
    return values[std::uniform_int_distribution<size_t>(
        0, values.size() - 3)(rng)];
  }
  return Pick(rng, values);
}

absl::Duration Ttl(std::mt19937_64& rng) {
  return Chance(rng, 0.5) ? absl::ZeroDuration() : Pick(rng, Ttls());
}

int64_t Delta(std::mt19937_64& rng) {
  static const auto* deltas =
      new std::vector<int64_t>{0,
                               1,
                               1,
                               2,
                               5,
                               9,
                               10,
                               1000,
                               std::numeric_limits<int64_t>::max(),
                               std::numeric_limits<int64_t>::min(),
                               -1,
                               -9,
                               -100};
  return Pick(rng, *deltas);
}

std::string Render(absl::string_view value) {
  if (value.size() <= 48)
    return absl::StrCat("\"", absl::CHexEscape(value), "\"");
  return absl::StrCat("<", value.size(), " bytes, ",
                      absl::Hash<absl::string_view>{}(value), ">");
}

std::string Render(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

const char* KindName(OpKind kind) {
  static const char* const kNames[] = {
      "Set",       "Get",         "Delete",       "Add",           "Replace",
      "Increment", "Decrement",   "GetVersioned", "CompareAndSet", "Append",
      "Prepend",   "Touch",       "GetAndTouch",  "GetOrSet",      "BatchGet",
      "BatchSet",  "BatchDelete", "List",         "Flush"};
  return kNames[static_cast<int>(kind)];
}

}  // namespace

Operation RandomOperation(std::mt19937_64& rng, int versions_seen,
                          bool delayed_flush) {
  Operation op;
  op.kind = static_cast<OpKind>(std::uniform_int_distribution<int>(
      0, static_cast<int>(OpKind::kFlush))(rng));
  // Flush wipes the store: keep it rare so states grow interesting.
  if (op.kind == OpKind::kFlush && !Chance(rng, 0.2)) op.kind = OpKind::kSet;
  op.key = Key(rng);
  op.value = Value(rng);
  op.ttl = Ttl(rng);
  op.delta = Delta(rng);
  if (op.kind == OpKind::kDecrement && Chance(rng, 0.9)) {
    op.delta = op.delta == std::numeric_limits<int64_t>::min()
                   ? 1
                   : (op.delta < 0 ? -op.delta : op.delta);
  }
  op.initial = Pick(rng, std::vector<uint64_t>{0, 7, 10, UINT64_MAX});
  op.create = Chance(rng, 0.8);
  if (versions_seen > 0 && Chance(rng, 0.75)) {
    op.version_index =
        std::uniform_int_distribution<int>(0, versions_seen - 1)(rng);
  } else {
    op.bogus_version = Pick(rng, std::vector<uint64_t>{0, UINT64_MAX});
  }
  op.loader_fails = Chance(rng, 0.3);
  const int n = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < n; ++i) {
    op.keys.push_back(Key(rng));
    op.entries.push_back(KeyValue{Key(rng), Value(rng)});
  }
  if (op.kind == OpKind::kList) {
    op.key = Pick(rng, std::vector<std::string>{"", "x:", "a", "zz", "a b"});
  }
  if (op.kind == OpKind::kFlush) {
    op.ttl = Pick(rng, std::vector<absl::Duration>{
                           absl::ZeroDuration(), absl::Hours(1),
                           kMaxTtl + absl::Seconds(1), absl::Seconds(-1)});
    if (!delayed_flush && op.ttl == absl::Hours(1)) {
      op.ttl = absl::ZeroDuration();
    }
  }
  return op;
}

std::string Describe(const Operation& op) {
  std::vector<std::string> entries;
  for (const KeyValue& e : op.entries) {
    entries.push_back(absl::StrCat(Render(e.key), "=", Render(e.value)));
  }
  std::vector<std::string> keys;
  for (const std::string& k : op.keys) keys.push_back(Render(k));
  return absl::StrCat(
      KindName(op.kind), " key=", Render(op.key), " value=", Render(op.value),
      " ttl=", absl::FormatDuration(op.ttl), " delta=", op.delta,
      " initial=", op.initial, " create=", op.create,
      " version_index=", op.version_index, " bogus=", op.bogus_version,
      " loader_fails=", op.loader_fails, " keys=[", absl::StrJoin(keys, ","),
      "] entries=[", absl::StrJoin(entries, ","), "]");
}

std::string StoreRun::Version(uint64_t raw) {
  auto [it, added] = version_index_.try_emplace(raw, versions_.size());
  if (added) versions_.push_back(raw);
  return absl::StrCat("version#", it->second);
}

std::string StoreRun::Apply(const Operation& op) {
  const SetOptions set{.ttl = op.ttl};
  const IncrementOptions inc{
      .initial = op.initial, .create = op.create, .ttl = op.ttl};
  auto value_of = [](const absl::StatusOr<std::string>& v) {
    return v.ok() ? absl::StrCat("OK ", Render(*v)) : Render(v.status());
  };
  auto number_of = [](const absl::StatusOr<uint64_t>& v) {
    return v.ok() ? absl::StrCat("OK ", *v) : Render(v.status());
  };
  auto batch_of = [](const absl::StatusOr<BatchWriteResult>& r) {
    if (!r.ok()) return Render(r.status());
    std::map<std::string, std::string> failed;
    for (const auto& [k, s] : r->failed) failed[k] = Render(s);
    return absl::StrCat("OK failed={",
                        absl::StrJoin(failed, ",", absl::PairFormatter("=")),
                        "}");
  };
  switch (op.kind) {
    case OpKind::kSet:
      return Render(kv_.Set(op.key, op.value, set));
    case OpKind::kGet:
      return value_of(kv_.Get(op.key));
    case OpKind::kDelete:
      return Render(kv_.Delete(op.key));
    case OpKind::kAdd:
      return Render(kv_.Add(op.key, op.value, set));
    case OpKind::kReplace:
      return Render(kv_.Replace(op.key, op.value, set));
    case OpKind::kIncrement:
      return number_of(kv_.Increment(op.key, op.delta, inc));
    case OpKind::kDecrement:
      return number_of(kv_.Decrement(op.key, op.delta, inc));
    case OpKind::kGetVersioned: {
      absl::StatusOr<VersionedValue> v = kv_.GetVersioned(op.key);
      if (!v.ok()) return Render(v.status());
      return absl::StrCat("OK ", Render(v->value), " ", Version(v->version));
    }
    case OpKind::kCompareAndSet: {
      const uint64_t version =
          op.version_index >= 0 &&
                  op.version_index < static_cast<int>(versions_.size())
              ? versions_[static_cast<size_t>(op.version_index)]
              : op.bogus_version;
      return Render(kv_.CompareAndSet(op.key, op.value, version, set));
    }
    case OpKind::kAppend:
      return Render(kv_.Append(op.key, op.value));
    case OpKind::kPrepend:
      return Render(kv_.Prepend(op.key, op.value));
    case OpKind::kTouch:
      return Render(kv_.Touch(op.key, op.ttl));
    case OpKind::kGetAndTouch:
      return value_of(kv_.GetAndTouch(op.key, op.ttl));
    case OpKind::kGetOrSet: {
      int loads = 0;
      absl::StatusOr<std::string> v =
          kv_.GetOrSet(op.key, op.ttl, [&]() -> absl::StatusOr<std::string> {
            ++loads;
            if (op.loader_fails) return absl::UnavailableError("loader");
            return op.value;
          });
      return absl::StrCat(value_of(v), " loads=", loads);
    }
    case OpKind::kBatchGet: {
      absl::StatusOr<BatchGetResult> r = kv_.BatchGet(op.keys);
      if (!r.ok()) return Render(r.status());
      std::map<std::string, std::string> found;
      for (const auto& [k, v] : r->found) found[k] = Render(v);
      std::map<std::string, std::string> failed;
      for (const auto& [k, s] : r->failed) failed[k] = Render(s);
      return absl::StrCat(
          "OK found={", absl::StrJoin(found, ",", absl::PairFormatter("=")),
          "} failed={", absl::StrJoin(failed, ",", absl::PairFormatter("=")),
          "}");
    }
    case OpKind::kBatchSet:
      return batch_of(kv_.BatchSet(op.entries, set));
    case OpKind::kBatchDelete:
      return batch_of(kv_.BatchDelete(op.keys));
    case OpKind::kList: {
      absl::StatusOr<std::vector<std::string>> keys = kv_.List(op.key);
      if (!keys.ok()) return Render(keys.status());
      return absl::StrCat("OK [", absl::StrJoin(*keys, ","), "]");
    }
    case OpKind::kFlush:
      return Render(kv_.Flush(op.ttl));
  }
  return "unknown operation";
}

}  // namespace kivi::testing
