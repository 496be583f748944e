#include "common/status.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"

namespace duban {
namespace {

#define DUBAN_CHECK_CODE(name)                                \
  static_assert(static_cast<int>(absl::StatusCode::name) ==   \
                    static_cast<int>(grpc::StatusCode::name), \
                "absl and grpc disagree on " #name)
#define DUBAN_CHECK_CODE_UPPER(absl_name, grpc_name)               \
  static_assert(static_cast<int>(absl::StatusCode::absl_name) ==   \
                    static_cast<int>(grpc::StatusCode::grpc_name), \
                "absl and grpc disagree on " #grpc_name)
DUBAN_CHECK_CODE_UPPER(kOk, OK);
DUBAN_CHECK_CODE_UPPER(kCancelled, CANCELLED);
DUBAN_CHECK_CODE_UPPER(kUnknown, UNKNOWN);
DUBAN_CHECK_CODE_UPPER(kInvalidArgument, INVALID_ARGUMENT);
DUBAN_CHECK_CODE_UPPER(kDeadlineExceeded, DEADLINE_EXCEEDED);
DUBAN_CHECK_CODE_UPPER(kNotFound, NOT_FOUND);
DUBAN_CHECK_CODE_UPPER(kAlreadyExists, ALREADY_EXISTS);
DUBAN_CHECK_CODE_UPPER(kPermissionDenied, PERMISSION_DENIED);
DUBAN_CHECK_CODE_UPPER(kResourceExhausted, RESOURCE_EXHAUSTED);
DUBAN_CHECK_CODE_UPPER(kFailedPrecondition, FAILED_PRECONDITION);
DUBAN_CHECK_CODE_UPPER(kAborted, ABORTED);
DUBAN_CHECK_CODE_UPPER(kOutOfRange, OUT_OF_RANGE);
DUBAN_CHECK_CODE_UPPER(kUnimplemented, UNIMPLEMENTED);
DUBAN_CHECK_CODE_UPPER(kInternal, INTERNAL);
DUBAN_CHECK_CODE_UPPER(kUnavailable, UNAVAILABLE);
DUBAN_CHECK_CODE_UPPER(kDataLoss, DATA_LOSS);
DUBAN_CHECK_CODE_UPPER(kUnauthenticated, UNAUTHENTICATED);
#undef DUBAN_CHECK_CODE
#undef DUBAN_CHECK_CODE_UPPER

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view value,
                          absl::string_view problem) {
  constexpr size_t kMaxShown = 120;
  size_t n = std::min(kMaxShown, value.size());
  // Never cut a UTF-8 sequence in half.
  while (n > 0 && n < value.size() &&
         (static_cast<unsigned char>(value[n]) & 0xC0) == 0x80)
    --n;
  std::string shown(value.substr(0, n));
  if (n < value.size()) shown += "…";
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", problem, " (got \"", shown, "\")"));
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace duban
