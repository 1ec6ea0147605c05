#ifndef KIVI_STATUS_MACROS_H_
#define KIVI_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns `expr` from the enclosing function if it is not OK.
#define KIVI_RETURN_IF_ERROR(expr)                                \
  do {                                                            \
    if (absl::Status kivi_status_ = (expr); !kivi_status_.ok()) { \
      return kivi_status_;                                        \
    }                                                             \
  } while (false)

#define KIVI_STATUS_CONCAT_INNER_(a, b) a##b
#define KIVI_STATUS_CONCAT_(a, b) KIVI_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status if not OK,
// else move-assigns its value to `lhs` (which may be a declaration).
#define KIVI_ASSIGN_OR_RETURN(lhs, rexpr)                                    \
  KIVI_ASSIGN_OR_RETURN_IMPL_(KIVI_STATUS_CONCAT_(kivi_statusor_, __LINE__), \
                              lhs, rexpr)

#define KIVI_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)  \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // KIVI_STATUS_MACROS_H_
