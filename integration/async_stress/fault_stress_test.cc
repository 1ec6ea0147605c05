// The fault proxy's garbage, truncation and stall faults between memcached
// and ONE client whose few connections carry the calls of synchronous
// threads and asynchronous callers at once: no wrong value, every callback
// called once, every call within its deadline plus kMargin, and every
// error Unavailable or DeadlineExceeded naming the server.

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "integration/async_stress/freeze_scenario.h"
#include "integration/async_stress/ledger.h"
#include "integration/async_stress/stress_load.h"
#include "integration/harness/memcached_process.h"
#include "integration/proxy/fault_proxy.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

constexpr absl::Duration kTimeout = kStressTimeout;
constexpr absl::Duration kMargin = kStressMargin;
// How long each fault and each healthy spell between faults lasts.
constexpr absl::Duration kFaultSpell = absl::Milliseconds(400);
constexpr absl::Duration kHealthySpell = absl::Milliseconds(300);

TEST(AsyncFaultStress, GarbageTruncationAndStallOnSharedConnections) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::unique_ptr<FaultProxy>> started =
      FaultProxy::Start((*server)->port());
  ASSERT_TRUE(started.ok()) << started.status();
  FaultProxy& proxy = **started;
  // A high failure limit keeps the server admitted, so every fault reaches
  // the connections rather than the down-server fast path.
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(absl::StrCat(
      "memcached://", proxy.address(),
      "?timeout=", absl::ToInt64Milliseconds(kTimeout),
      "ms&connect_timeout=300ms&max_conns=2&failure_limit=1000000"));
  ASSERT_TRUE(kv.ok()) << kv.status();

  StressOptions options;
  options.timeout = kTimeout;
  options.margin = kMargin;
  options.server = proxy.address();
  StressLedger ledger("fault:", StressLoad::KeysNeeded(options));
  StressLoad load(**kv, ledger, options);
  load.Start();
  absl::SleepFor(kHealthySpell);

  struct Fault {
    std::string name;
    std::function<void()> set;
  };
  std::vector<Fault> faults;
  // At a reply's start: garbage lines and well-formed replies nobody asked
  // for. Inside a header or a value (5 and 17 bytes in): garbage without a
  // line end. Bytes with a "\r\n" inserted inside a value can frame a
  // reply of the right length with other bytes ("fau" + "VA 2\r\nzz" +
  // "\r\n" for an 11-byte value): memcached's protocol has no checksum,
  // so no client can tell that from a stored value (this test once saw
  // exactly that). Without a line end, the value's terminator is never
  // where the reply's length says (values here hold no \r or \n), and
  // the reply is refused.
  const std::vector<std::string> at_start = {
      std::string("\x00\xff\r\n", 4), "EN\r\n", "VA 2\r\nzz\r\n", "HD\r\n"};
  const std::vector<std::string> inside = {std::string("\x00\xff", 2), "EN",
                                           "VA 2 zz", "HD"};
  for (size_t after : {0, 5, 17}) {
    for (const std::string& garbage : after == 0 ? at_start : inside) {
      faults.push_back(
          {absl::StrCat("garbage after ", after),
           [&proxy, after, garbage] { proxy.InjectGarbage(garbage, after); }});
    }
  }
  for (size_t keep : {0, 1, 4, 11, 30}) {
    faults.push_back({absl::StrCat("truncate at ", keep),
                      [&proxy, keep] { proxy.Truncate(keep); }});
  }
  faults.push_back({"stall", [&proxy] { proxy.Stall(); }});
  faults.push_back({"stall again", [&proxy] { proxy.Stall(); }});

  int64_t spells_with_progress = 0;
  for (const Fault& fault : faults) {
    SCOPED_TRACE(fault.name);
    fault.set();
    // Garbage and truncation act once per connection: one spell each for
    // every fault but the stall.
    absl::SleepFor(fault.name.rfind("stall", 0) == 0 ? kFaultSpell
                                                     : kFaultSpell / 4);
    proxy.Pass();
    const int64_t before = load.ok_calls();
    absl::SleepFor(kHealthySpell);
    spells_with_progress += load.ok_calls() > before ? 1 : 0;
  }
  EXPECT_GT(spells_with_progress, 0) << "no progress between faults";

  load.Stop(kTimeout + kMargin + absl::Seconds(2));
  load.VerifyAll();
  const StressReport report = load.report();
  kv->reset();

  SCOPED_TRACE(report.ToString());
  std::printf("fault proxy: %s\n", report.ToString().c_str());
  EXPECT_EQ(report.wrong, 0);
  EXPECT_EQ(report.late, 0);
  EXPECT_EQ(report.unexpected_errors, 0);
  EXPECT_EQ(report.unnamed_errors, 0);
  EXPECT_EQ(report.callbacks_repeated, 0);
  EXPECT_EQ(report.callbacks_missing, 0);
  EXPECT_GT(report.async_calls, 0);
  EXPECT_GT(report.failed_calls, 0) << "the faults went unnoticed";
  EXPECT_GT(proxy.counters().closed_by_client, 0)
      << "no connection was retired";
}

}  // namespace
}  // namespace kivi::testing
