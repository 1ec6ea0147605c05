#ifndef KIVI_TESTS_MEMORY_MEMORY_TEST_UTIL_H_
#define KIVI_TESTS_MEMORY_MEMORY_TEST_UTIL_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "kivi/backend.h"
#include "kivi/memory/memory_backend.h"

namespace kivi::memory_test {

// A store built from `options`; fails the test if the options are refused.
inline std::unique_ptr<Backend> NewStore(const MemoryOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<Backend>> store = NewMemoryBackend(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// The value of the stat `name` on the store's only endpoint, or "" if absent.
inline std::string StatOf(Backend& store, absl::string_view name) {
  absl::StatusOr<std::vector<EndpointStats>> stats = store.Stats();
  if (!stats.ok() || stats->size() != 1) return "";
  for (const auto& [key, value] : (*stats)[0].values) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace kivi::memory_test

#endif  // KIVI_TESTS_MEMORY_MEMORY_TEST_UTIL_H_
