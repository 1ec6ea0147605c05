// The events a Client reports to its observer: one OperationEvent per call,
// one WriteEvent per write, failures included.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"

namespace kivi {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct RecordedWrite {
  Operation operation;
  std::vector<std::string> keys;
  bool all_keys;
  absl::StatusCode code;
  std::vector<std::string> failed;
};

class RecordingObserver : public ClientObserver {
 public:
  void OnOperation(const OperationEvent& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    ops.push_back(e);
    ops.back().backend = "";  // The view ends with the call.
    backends.emplace_back(e.backend);
  }
  void OnWrite(const WriteEvent& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    RecordedWrite w{e.operation, {}, e.all_keys, e.status.code(), {}};
    for (absl::string_view k : e.keys) w.keys.emplace_back(k);
    if (e.failed != nullptr) {
      for (const auto& [k, s] : *e.failed) w.failed.push_back(k);
    }
    writes.push_back(std::move(w));
  }

  std::vector<OperationEvent> ops;
  std::vector<std::string> backends;
  std::vector<RecordedWrite> writes;

 private:
  std::mutex mu_;
};

class ObserverEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = Open("memory://?namespace=ns:", {.observer = observer_});
    ASSERT_TRUE(client.ok()) << client.status();
    kv_ = *std::move(client);
  }

  std::shared_ptr<RecordingObserver> observer_ =
      std::make_shared<RecordingObserver>();
  std::unique_ptr<Client> kv_;
};

TEST_F(ObserverEvents, GetReportsHitOrMissWithBackendAndLatency) {
  ASSERT_TRUE(kv_->Set("k", "v").ok());
  ASSERT_TRUE(kv_->Get("k").ok());
  ASSERT_TRUE(absl::IsNotFound(kv_->Get("absent").status()));
  ASSERT_EQ(observer_->ops.size(), 3u);
  const OperationEvent& hit = observer_->ops[1];
  EXPECT_EQ(hit.operation, Operation::kGet);
  EXPECT_EQ(hit.keys, 1u);
  EXPECT_EQ(hit.code, absl::StatusCode::kOk);
  EXPECT_EQ(hit.hits, 1u);
  EXPECT_EQ(hit.misses, 0u);
  EXPECT_GE(hit.latency, absl::ZeroDuration());
  const OperationEvent& miss = observer_->ops[2];
  EXPECT_EQ(miss.code, absl::StatusCode::kNotFound);
  EXPECT_EQ(miss.hits, 0u);
  EXPECT_EQ(miss.misses, 1u);
  EXPECT_EQ(observer_->backends[1], "memory");
}

TEST_F(ObserverEvents, BatchGetCountsDistinctHitsAndMisses) {
  ASSERT_TRUE(kv_->BatchSet({{"a", "1"}, {"b", "2"}}).ok());
  std::vector<std::string> keys = {"a", "b", "c", "a"};
  ASSERT_TRUE(kv_->BatchGet(keys).ok());
  const OperationEvent& e = observer_->ops.back();
  EXPECT_EQ(e.operation, Operation::kBatchGet);
  EXPECT_EQ(e.keys, 4u);
  EXPECT_EQ(e.hits, 2u);
  EXPECT_EQ(e.misses, 1u);
  EXPECT_EQ(e.failed_keys, 0u);
}

TEST_F(ObserverEvents, EveryWriteOperationReportsAWriteEventWithCallerKeys) {
  ASSERT_TRUE(kv_->Set("s", "1").ok());
  ASSERT_TRUE(kv_->Add("a", "1").ok());
  ASSERT_TRUE(kv_->Replace("a", "2").ok());
  ASSERT_TRUE(kv_->Increment("n", 1).ok());
  ASSERT_TRUE(kv_->Decrement("n", 1).ok());
  absl::StatusOr<VersionedValue> v = kv_->GetVersioned("a");
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(kv_->CompareAndSet("a", "3", v->version).ok());
  ASSERT_TRUE(kv_->Append("a", "x").ok());
  ASSERT_TRUE(kv_->Prepend("a", "y").ok());
  ASSERT_TRUE(kv_->Delete("s").ok());
  ASSERT_TRUE(kv_->BatchSet({{"b1", "1"}, {"b2", "2"}}).ok());
  std::vector<std::string> del = {"b1", "b2"};
  ASSERT_TRUE(kv_->BatchDelete(del).ok());
  ASSERT_TRUE(kv_->Touch("a", absl::Seconds(60)).ok());  // Not a write.
  ASSERT_TRUE(kv_->Flush().ok());

  std::vector<Operation> ops;
  for (const RecordedWrite& w : observer_->writes) {
    ops.push_back(w.operation);
    EXPECT_EQ(w.code, absl::StatusCode::kOk) << OperationName(w.operation);
  }
  EXPECT_THAT(ops, ElementsAre(Operation::kSet, Operation::kAdd,
                               Operation::kReplace, Operation::kIncrement,
                               Operation::kDecrement, Operation::kCompareAndSet,
                               Operation::kAppend, Operation::kPrepend,
                               Operation::kDelete, Operation::kBatchSet,
                               Operation::kBatchDelete, Operation::kFlush));
  // The caller's keys, without the namespace.
  EXPECT_THAT(observer_->writes[0].keys, ElementsAre("s"));
  EXPECT_THAT(observer_->writes[9].keys, ElementsAre("b1", "b2"));
  EXPECT_THAT(observer_->writes[10].keys, ElementsAre("b1", "b2"));
  EXPECT_TRUE(observer_->writes[11].all_keys);
  EXPECT_THAT(observer_->writes[11].keys, IsEmpty());
  // Every call, writes or not, reported one OperationEvent, in order.
  ASSERT_EQ(observer_->ops.size(), 14u);
  EXPECT_EQ(observer_->ops[5].operation, Operation::kGetVersioned);
  EXPECT_EQ(observer_->ops[12].operation, Operation::kTouch);
}

TEST_F(ObserverEvents, FailedWritesAreReportedAsFailedEvents) {
  EXPECT_FALSE(kv_->Set("bad key", "v").ok());
  EXPECT_FALSE(kv_->Set("k", "v", {.ttl = absl::Seconds(-1)}).ok());
  ASSERT_TRUE(kv_->Set("k", "v").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(kv_->Add("k", "w")));
  EXPECT_TRUE(absl::IsNotFound(kv_->Replace("absent", "w")));
  EXPECT_FALSE(kv_->Decrement("k", -1).ok());
  EXPECT_FALSE(kv_->BatchSet({{"ok", "1"}, {"", "2"}}).ok());

  ASSERT_EQ(observer_->writes.size(), 7u);
  EXPECT_EQ(observer_->writes[0].code, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(observer_->writes[0].keys, ElementsAre("bad key"));
  EXPECT_EQ(observer_->writes[1].code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(observer_->writes[3].code, absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(observer_->writes[4].code, absl::StatusCode::kNotFound);
  EXPECT_EQ(observer_->writes[5].operation, Operation::kDecrement);
  EXPECT_EQ(observer_->writes[5].code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(observer_->writes[6].operation, Operation::kBatchSet);
  EXPECT_EQ(observer_->writes[6].code, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(observer_->writes[6].keys, ElementsAre("ok", ""));
  EXPECT_EQ(observer_->ops[0].code, absl::StatusCode::kInvalidArgument);
}

TEST(ObserverOff, ClientWithoutObserverWorks) {
  auto kv = Open("memory://");
  ASSERT_TRUE(kv.ok());
  EXPECT_TRUE((*kv)->Set("k", "v").ok());
  EXPECT_EQ((*kv)->options().observer, nullptr);
  EXPECT_EQ((*kv)->options().backend_name, "memory");
}

}  // namespace
}  // namespace kivi
