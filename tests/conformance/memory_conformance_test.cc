#include <string>

#include "gtest/gtest.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Memory, ConformanceTest,
    ::testing::Values(
        ConformanceTarget{"memory", [] { return std::string("memory://"); }},
        ConformanceTarget{"memory_bounded_one_shard",
                          [] {
                            return std::string(
                                "memory://?max_bytes=8MiB&shards=1&"
                                "sweep_interval=10ms");
                          }}),
    ConformanceTargetName);

}  // namespace
}  // namespace kivi::testing
