#ifndef KIVI_INTEGRATION_REDIS_REDIS_SERVERS_H_
#define KIVI_INTEGRATION_REDIS_REDIS_SERVERS_H_

// The Redis deployments the redis:// tests run against, each started on
// demand on free loopback ports and kept for the whole test binary: one
// plain server, a 3-master cluster, a TLS server and an ACL-protected
// server.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "integration/harness/redis_process.h"
#include "test_certificates.h"

namespace kivi::testing {

class RedisServers {
 public:
  // Each starts its deployment on first use and fails the calling test
  // (gtest assertion) when it cannot.
  static RedisProcess& Single();
  static RedisCluster& Cluster();
  // TLS only (no plain port); its certificate is for 127.0.0.1 and
  // "localhost", signed by Certificates().ca().
  static RedisProcess& Tls();
  static const TestCertificates& Certificates();
  // ACL: the default user is off; user "kivi" with password
  // kAclPassword may do everything.
  static RedisProcess& Acl();

  // URLs for them (without a query).
  static std::string SingleUrl();
  static std::string ClusterUrl();
  static std::string TlsUrl();  // With tls_ca, so it ends in a query.
  static std::string AclUrl();

  // Stops every deployment (for the environment's TearDown).
  static void StopAll();
};

inline constexpr char kAclUser[] = "kivi";
inline constexpr char kAclPassword[] = "s3cret-pw";

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_REDIS_REDIS_SERVERS_H_
