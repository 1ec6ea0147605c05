#ifndef KIVI_TESTS_CONFORMANCE_CONFORMANCE_H_
#define KIVI_TESTS_CONFORMANCE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"

// The conformance suite: one set of cases that every backend must pass, so
// that swapping the URL never changes behaviour. A backend runs it by
// linking the kivi_conformance object library and instantiating the suite
// with the URLs of its stores:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Memory, ConformanceTest,
//       ::testing::Values(ConformanceTarget{
//           "memory", [] { return std::string("memory://"); }}),
//       ConformanceTargetName);
//
// Cases for optional operations run when the backend declares the
// capability and must then pass; when it does not, they check that the
// operation answers Unimplemented. No case knows which backend it runs on.

namespace kivi::testing {

struct ConformanceTarget {
  // The gtest parameter name (non-alphanumerics become '_').
  std::string name;
  // The store's URL, with or without a query. Called in SetUp, so a server
  // started by a gtest Environment is already up when it runs.
  std::function<std::string()> url;
};

// Prints the target's name where gtest shows a parameter ("GetParam() = ").
void PrintTo(const ConformanceTarget& target, std::ostream* os);

// Each test opens its own client with a fresh random namespace, so tests
// never see each other's keys even on a shared server. (Flush empties the
// whole store; the flush cases assert only on their own keys.)
class ConformanceTest : public ::testing::TestWithParam<ConformanceTarget> {
 protected:
  void SetUp() override;

  Client& kv() { return *client_; }
  const Capabilities& capabilities() const { return capabilities_; }
  // The namespace this test's keys live in.
  const std::string& key_namespace() const {
    return client_->options().key_namespace;
  }

  // Opens another client on the same store and namespace with `extra`
  // query parameters added, e.g. "default_ttl=2s".
  absl::StatusOr<std::unique_ptr<Client>> OpenWith(
      absl::string_view extra) const;

  // The shortest TTL worth testing on this backend: max(2 x resolution,
  // 50ms).
  absl::Duration ShortTtl() const;
  // Sleeps until an entry written just before with `ttl` must be gone:
  // ttl + 2 x resolution + a scheduling margin.
  void SleepPast(absl::Duration ttl) const;

 private:
  std::string url_;  // The target's URL with this test's namespace.
  std::unique_ptr<Client> client_;
  Capabilities capabilities_;
};

// Names an instantiation's parameters after ConformanceTarget::name.
std::string ConformanceTargetName(
    const ::testing::TestParamInfo<ConformanceTarget>& info);

}  // namespace kivi::testing

#endif  // KIVI_TESTS_CONFORMANCE_CONFORMANCE_H_
