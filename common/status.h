// Status helpers shared by every service: the early-return macros Abseil
// 20220623 lacks, error constructors that name the field and value, and the
// one absl::Status <-> grpc::Status conversion of the suite.
#ifndef DUBAN_COMMON_STATUS_H_
#define DUBAN_COMMON_STATUS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

#define DUBAN_STATUS_CONCAT_INNER_(a, b) a##b
#define DUBAN_STATUS_CONCAT_(a, b) DUBAN_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define DUBAN_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status duban_status_ = (expr);         \
    if (!duban_status_.ok()) return duban_status_; \
  } while (false)

// `lhs = value of statusor_expr`, or returns its status when not OK.
#define DUBAN_ASSIGN_OR_RETURN(lhs, expr)                                  \
  DUBAN_ASSIGN_OR_RETURN_IMPL_(DUBAN_STATUS_CONCAT_(duban_sor_, __LINE__), \
                               lhs, expr)
#define DUBAN_ASSIGN_OR_RETURN_IMPL_(sor, lhs, expr) \
  auto sor = (expr);                                 \
  if (!sor.ok()) return std::move(sor).status();     \
  lhs = std::move(sor).value()

namespace duban {

// INVALID_ARGUMENT "<field>: <problem> (got "<value>")".
absl::Status InvalidField(absl::string_view field, absl::string_view value,
                          absl::string_view problem);

// The one conversion between Abseil and gRPC status codes (numerically equal
// by design; checked at compile time in status.cc).
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// A gRPC handler's answer from its domain call: the value into *response,
// or the status mapped.
template <typename T>
grpc::Status AnswerRpc(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(result).value();
  return grpc::Status::OK;
}

}  // namespace duban

#endif  // DUBAN_COMMON_STATUS_H_
