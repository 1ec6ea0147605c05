// kivi and libmemcached share a fleet: with weighted ketama on both sides,
// every key lands on the same server, so each reads what the other wrote.
// The default port (11211) is covered when it is free, because libmemcached
// names ring points differently for it.

#include <libmemcached/memcached.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/ports.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using Libmemcached = std::unique_ptr<memcached_st, void (*)(memcached_st*)>;

struct Fleet {
  std::vector<std::unique_ptr<MemcachedProcess>> servers;
  std::vector<uint32_t> weights;
};

class LibmemcachedInterop : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    const bool weighted = GetParam();
    // The default port first, when nobody holds it.
    if (PortIsFree(11211)) {
      absl::StatusOr<std::unique_ptr<MemcachedProcess>> s =
          MemcachedProcess::Start({}, 11211);
      if (s.ok()) fleet_.servers.push_back(*std::move(s));
    }
    if (fleet_.servers.empty()) {
      std::fprintf(stderr, "port 11211 busy: default-port case not covered\n");
    }
    while (fleet_.servers.size() < 3) {
      absl::StatusOr<std::unique_ptr<MemcachedProcess>> s =
          MemcachedProcess::Start();
      ASSERT_TRUE(s.ok()) << s.status();
      fleet_.servers.push_back(*std::move(s));
    }
    for (size_t i = 0; i < fleet_.servers.size(); ++i) {
      fleet_.weights.push_back(weighted ? static_cast<uint32_t>(i + 1) : 1);
    }
  }

  std::string KiviUrl() const {
    std::vector<std::string> hosts;
    for (size_t i = 0; i < fleet_.servers.size(); ++i) {
      std::string host = fleet_.servers[i]->address();
      if (fleet_.weights[i] != 1) absl::StrAppend(&host, "*", fleet_.weights[i]);
      hosts.push_back(host);
    }
    return absl::StrCat("memcached://", absl::StrJoin(hosts, ","));
  }

  Libmemcached LibmemcachedClient() const {
    Libmemcached memc(memcached_create(nullptr), memcached_free);
    memcached_behavior_set(memc.get(), MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    for (size_t i = 0; i < fleet_.servers.size(); ++i) {
      memcached_server_add_with_weight(memc.get(), "127.0.0.1",
                                       fleet_.servers[i]->port(),
                                       fleet_.weights[i]);
    }
    return memc;
  }

  Fleet fleet_;
};

TEST_P(LibmemcachedInterop, EachReadsWhatTheOtherWrote) {
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(KiviUrl());
  ASSERT_TRUE(kv.ok()) << kv.status();
  Libmemcached memc = LibmemcachedClient();

  for (int i = 0; i < 300; ++i) {
    const std::string key = absl::StrCat("from-lib:", i);
    const std::string value = absl::StrCat("lib-value-", i);
    ASSERT_EQ(memcached_set(memc.get(), key.data(), key.size(), value.data(),
                            value.size(), 0, 0),
              MEMCACHED_SUCCESS);
  }
  for (int i = 0; i < 300; ++i) {
    const std::string key = absl::StrCat("from-lib:", i);
    absl::StatusOr<std::string> v = (*kv)->Get(key);
    ASSERT_TRUE(v.ok()) << key << ": " << v.status();
    EXPECT_EQ(*v, absl::StrCat("lib-value-", i));
  }

  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) {
    keys.push_back(absl::StrCat("from-kivi:", i));
    ASSERT_TRUE((*kv)->Set(keys.back(), absl::StrCat("kivi-value-", i)).ok());
  }
  for (int i = 0; i < 300; ++i) {
    size_t length = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char* value = memcached_get(memc.get(), keys[i].data(), keys[i].size(),
                                &length, &flags, &rc);
    ASSERT_EQ(rc, MEMCACHED_SUCCESS) << keys[i];
    EXPECT_EQ(std::string(value, length), absl::StrCat("kivi-value-", i));
    std::free(value);
  }
  // Batches route the same way.
  absl::StatusOr<BatchGetResult> batch = (*kv)->BatchGet(keys);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->found.size(), keys.size());
}

INSTANTIATE_TEST_SUITE_P(Weights, LibmemcachedInterop, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "weighted" : "equal";
                         });

}  // namespace
}  // namespace kivi::testing
