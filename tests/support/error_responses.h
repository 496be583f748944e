// The test suite's check of every error response its servers sent: each
// server started with DUBAN_ERROR_RESPONSE_LOG=<dir> (common/observability.h)
// appends its failed calls there as JSON lines, and the last test scans
// them. The patterns here are the suite's own, independent of
// common/redaction.h, so a gap in one is caught by the other.
#ifndef DUBAN_TESTS_SUPPORT_ERROR_RESPONSES_H_
#define DUBAN_TESTS_SUPPORT_ERROR_RESPONSES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace duban::testing {

// Why `message` must not reach a caller: a Redis key name (`duban:`), a
// host:port (IPv4, bracketed IPv6 or localhost: every server and Redis of
// the suite listens on loopback), a PEM block, a JWT, a raw Redis error
// reply, or a password the tests use. Empty when it may.
std::string SuiteLeak(absl::string_view message);

struct ErrorResponseScan {
  int files = 0;
  int responses = 0;
  // "<file>:<line>: <why>: <the line>" for each leaking or unreadable line.
  std::vector<std::string> problems;
};

// Reads every *.jsonl file of `dir` (a missing directory holds none).
ErrorResponseScan ScanErrorResponses(const std::string& dir);

// OK when `dir` holds at least one error response and none leaks;
// FAILED_PRECONDITION listing each problem (or saying nothing was
// recorded) otherwise.
absl::Status CheckErrorResponses(const std::string& dir);

}  // namespace duban::testing

#endif  // DUBAN_TESTS_SUPPORT_ERROR_RESPONSES_H_
