#include "integration/redis/redis_servers.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace kivi::testing {
namespace {

std::unique_ptr<RedisProcess>& single() {
  static auto* p = new std::unique_ptr<RedisProcess>;
  return *p;
}
std::unique_ptr<RedisCluster>& cluster() {
  static auto* p = new std::unique_ptr<RedisCluster>;
  return *p;
}
std::unique_ptr<RedisProcess>& tls() {
  static auto* p = new std::unique_ptr<RedisProcess>;
  return *p;
}
std::unique_ptr<TestCertificates>& certificates() {
  static auto* p = new std::unique_ptr<TestCertificates>;
  return *p;
}
std::unique_ptr<RedisProcess>& acl() {
  static auto* p = new std::unique_ptr<RedisProcess>;
  return *p;
}

template <typename T>
T& Started(std::unique_ptr<T>& slot,
           absl::StatusOr<std::unique_ptr<T>> (*start)()) {
  if (slot == nullptr) {
    absl::StatusOr<std::unique_ptr<T>> started = start();
    if (!started.ok()) {
      ADD_FAILURE() << started.status();
      std::abort();
    }
    slot = *std::move(started);
  }
  return *slot;
}

}  // namespace

RedisProcess& RedisServers::Single() {
  return Started<RedisProcess>(single(), [] { return RedisProcess::Start(); });
}

RedisCluster& RedisServers::Cluster() {
  return Started<RedisCluster>(cluster(),
                               [] { return RedisCluster::Start(3); });
}

const TestCertificates& RedisServers::Certificates() {
  return Started<TestCertificates>(certificates(),
                                   [] { return TestCertificates::Create(); });
}

RedisProcess& RedisServers::Tls() {
  Certificates();
  return Started<RedisProcess>(tls(), [] {
    const TestCertificates& certs = *certificates();
    return RedisProcess::Start(
        {"--tls-cert-file", certs.server_cert(), "--tls-key-file",
         certs.server_key(), "--tls-ca-cert-file", certs.ca(),
         "--tls-auth-clients", "no"},
        /*tls=*/true);
  });
}

RedisProcess& RedisServers::Acl() {
  return Started<RedisProcess>(acl(), [] {
    return RedisProcess::Start({"--user", "default", "off", "--user", kAclUser,
                                "on", absl::StrCat(">", kAclPassword), "~*",
                                "&*", "+@all"});
  });
}

std::string RedisServers::SingleUrl() {
  return absl::StrCat("redis://", Single().address());
}

std::string RedisServers::ClusterUrl() {
  return absl::StrCat("redis+cluster://", Cluster().SeedList());
}

std::string RedisServers::TlsUrl() {
  return absl::StrCat("rediss://", Tls().address(),
                      "?tls_ca=", Certificates().ca());
}

std::string RedisServers::AclUrl() {
  return absl::StrCat("redis://", kAclUser, ":", kAclPassword, "@",
                      Acl().address());
}

void RedisServers::StopAll() {
  single().reset();
  cluster().reset();
  tls().reset();
  acl().reset();
  certificates().reset();
}

}  // namespace kivi::testing
