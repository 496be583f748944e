// check_error_responses <dir>: exits 0 when the error responses recorded in
// <dir> (tests/support/error_responses.h) are at least one and none leaks;
// otherwise prints each problem and exits 1.
#include <cstdio>

#include "tests/support/error_responses.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <error response directory>\n", argv[0]);
    return 2;
  }
  const duban::testing::ErrorResponseScan scan =
      duban::testing::ScanErrorResponses(argv[1]);
  const absl::Status status = duban::testing::CheckErrorResponses(argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::printf("%d error responses in %d file(s); none leaks\n", scan.responses,
              scan.files);
  return 0;
}
