#ifndef KIVI_TESTS_CONFORMANCE_CASE_HELPERS_H_
#define KIVI_TESTS_CONFORMANCE_CASE_HELPERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

// Matchers shared by the conformance cases (not part of the suite's API).

namespace kivi::testing {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// Matches an absl::Status or absl::StatusOr whose code is `code`.
MATCHER_P(HasCode, code,
          std::string(negation ? "does not have" : "has") + " status code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code;
}

// Matches a status with `code` whose message contains `text`.
MATCHER_P2(HasCodeAndMessage, code, text,
           std::string(negation ? "does not have" : "has") + " status code " +
               absl::StatusCodeToString(code) +
               " with a message containing \"" + std::string(text) + "\"") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         status.message().find(text) != absl::string_view::npos;
}

// Matches an OK absl::Status or absl::StatusOr.
MATCHER(IsOk, std::string(negation ? "is not" : "is") + " OK") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.ok();
}

// Matches an OK absl::StatusOr<T> whose value matches `inner`.
MATCHER_P(IsOkAndHolds, inner,
          std::string(negation ? "is not" : "is") +
              " OK with a value that matches") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

}  // namespace kivi::testing

#endif  // KIVI_TESTS_CONFORMANCE_CASE_HELPERS_H_
