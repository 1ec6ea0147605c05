#include "tests/conformance/conformance.h"

#include <algorithm>
#include <cctype>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace kivi::testing {
namespace {

// Time for the test process to be scheduled after a sleep, on a loaded CI
// machine, beyond what the backend's resolution accounts for.
constexpr absl::Duration kSchedulingMargin = absl::Milliseconds(100);

// "t" and 16 random hex digits, then "_": namespaces of one length never
// prefix one another, so tests can share a server.
std::string RandomNamespace() {
  static std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("t%016x_", rng());
}

}  // namespace

void PrintTo(const ConformanceTarget& target, std::ostream* os) {
  *os << target.name;
}

void ConformanceTest::SetUp() {
  const std::string target_url = GetParam().url();
  url_ = absl::StrCat(target_url,
                      target_url.find('?') == std::string::npos ? "?" : "&",
                      "namespace=", RandomNamespace());
  absl::StatusOr<std::unique_ptr<Client>> client = Open(url_);
  ASSERT_TRUE(client.ok()) << "cannot open " << url_ << ": " << client.status();
  client_ = *std::move(client);
  capabilities_ = client_->capabilities();
}

absl::StatusOr<std::unique_ptr<Client>> ConformanceTest::OpenWith(
    absl::string_view extra) const {
  return Open(absl::StrCat(url_, "&", extra));
}

absl::Duration ConformanceTest::ShortTtl() const {
  return std::max(2 * capabilities_.ttl_resolution, absl::Milliseconds(50));
}

void ConformanceTest::SleepPast(absl::Duration ttl) const {
  absl::SleepFor(ttl + 2 * capabilities_.ttl_resolution + kSchedulingMargin);
}

std::string ConformanceTargetName(
    const ::testing::TestParamInfo<ConformanceTarget>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace kivi::testing
