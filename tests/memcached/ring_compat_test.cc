// ServerRing must place every key on the server libmemcached's weighted
// ketama picks, so kivi and libmemcached clients can share a fleet. These
// tests ask libmemcached itself; no server runs (placement needs none).

#include <libmemcached/memcached.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "src/ring.h"
#include "src/server_list.h"

namespace kivi::memcached {
namespace {

using Libmemcached = std::unique_ptr<memcached_st, void (*)(memcached_st*)>;

// A libmemcached client configured for weighted ketama with `servers`,
// added in order (libmemcached keeps that order: host sorting is off).
Libmemcached WeightedKetama(const std::vector<ServerAddress>& servers) {
  Libmemcached memc(memcached_create(nullptr), memcached_free);
  EXPECT_EQ(
      memcached_behavior_set(memc.get(), MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
      MEMCACHED_SUCCESS);
  for (const ServerAddress& server : servers) {
    EXPECT_EQ(memcached_server_add_with_weight(memc.get(), server.host.c_str(),
                                               server.port, server.weight),
              MEMCACHED_SUCCESS)
        << server.ToString();
  }
  return memc;
}

// Keys of the shapes kivi sends: namespaced, numeric, random printable.
std::vector<std::string> TestKeys() {
  std::vector<std::string> keys;
  std::mt19937 rng(7);
  for (int i = 0; i < 10000; ++i) {
    switch (i % 3) {
      case 0:
        keys.push_back(absl::StrCat("app:user:", i));
        break;
      case 1:
        keys.push_back(absl::StrCat(i));
        break;
      default: {
        std::string key(1 + rng() % 250, 'x');
        for (char& c : key) c = static_cast<char>('!' + rng() % 94);
        keys.push_back(std::move(key));
      }
    }
  }
  return keys;
}

void ExpectSamePlacement(absl::string_view authority) {
  SCOPED_TRACE(authority);
  const absl::StatusOr<std::vector<ServerAddress>> servers =
      ParseServerList(authority);
  ASSERT_TRUE(servers.ok()) << servers.status();
  const absl::StatusOr<ServerRing> ring = ServerRing::Build(*servers);
  ASSERT_TRUE(ring.ok()) << ring.status();
  const Libmemcached memc = WeightedKetama(*servers);
  ASSERT_EQ(memcached_server_count(memc.get()), servers->size());
  std::vector<int> used(servers->size(), 0);
  int mismatches = 0;
  for (const std::string& key : TestKeys()) {
    const uint32_t expected =
        memcached_generate_hash(memc.get(), key.data(), key.size());
    const size_t picked = ring->Pick(key);
    ++used[picked];
    if (picked != expected && ++mismatches <= 5) {
      ADD_FAILURE() << "key \"" << key << "\": libmemcached picks "
                    << (*servers)[expected].ToString() << ", kivi picks "
                    << (*servers)[picked].ToString();
    }
  }
  EXPECT_EQ(mismatches, 0);
  for (size_t i = 0; i < used.size(); ++i) {
    EXPECT_GT(used[i], 0) << (*servers)[i].ToString() << " got no keys";
  }
}

TEST(ServerRingCompat, OneServer) {
  ExpectSamePlacement("cache-a");
  ExpectSamePlacement("127.0.0.1:11300*4");
}

TEST(ServerRingCompat, DefaultPortHostnames) {
  ExpectSamePlacement("cache-a,cache-b");
  ExpectSamePlacement("cache-a,cache-b,cache-c");
  ExpectSamePlacement("cache-a,cache-b,cache-c,cache-d");
  ExpectSamePlacement("cache-a,cache-b,cache-c,cache-d,cache-e");
}

TEST(ServerRingCompat, OtherPortsAndIps) {
  ExpectSamePlacement("127.0.0.1:11212,127.0.0.1:11213");
  ExpectSamePlacement("10.0.0.1:20000,10.0.0.2:20001,10.0.0.3:20002");
  ExpectSamePlacement(
      "192.168.1.10:11212,192.168.1.11:11213,192.168.1.12:11214,"
      "192.168.1.13:11215,192.168.1.14:11216");
}

TEST(ServerRingCompat, MixedDefaultAndOtherPorts) {
  ExpectSamePlacement("10.0.0.1,10.0.0.1:11212,cache-b:11211,cache-c:1");
}

TEST(ServerRingCompat, Ipv6Literals) {
  ExpectSamePlacement("[::1],[::1]:11212,[fe80::2]:11211");
}

TEST(ServerRingCompat, Weights) {
  ExpectSamePlacement("cache-a*2,cache-b");
  ExpectSamePlacement("cache-a*1,cache-b*3,cache-c:11300*2");
  ExpectSamePlacement("10.0.0.1*5,10.0.0.2*1,10.0.0.3*1,10.0.0.4*10");
  ExpectSamePlacement("h1*7,h2:11212*3,h3*13,h4:9999*1,h5*100");
}

TEST(ServerRingCompat, ManyServersStressFloatRounding) {
  std::string authority;
  for (int i = 1; i <= 17; ++i) {
    absl::StrAppend(&authority, i > 1 ? "," : "", "node", i,
                    i % 2 ? "" : ":11300", "*", i % 4 + 1);
  }
  ExpectSamePlacement(authority);
  authority.clear();
  for (int i = 1; i <= 12; ++i) {
    absl::StrAppend(&authority, i > 1 ? "," : "", "10.1.0.", i);
  }
  ExpectSamePlacement(authority);
}

}  // namespace
}  // namespace kivi::memcached
