// The plan document importer: turns the UTF-8 text of a work-plan document
// (工作要点) into a Plan, its Items and the warnings met on the way. Pure
// domain logic: no gRPC, no Redis, no I/O.
#ifndef DUBAN_SERVICES_PLAN_IMPORTER_H_
#define DUBAN_SERVICES_PLAN_IMPORTER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "duban/plan/v1/plan.pb.h"

namespace duban::plan {

// Documents larger than this are refused; the largest real plans are well
// under 200 KiB.
inline constexpr std::size_t kMaxDocumentBytes = 4 * 1024 * 1024;

struct ImportOptions {
  // Resource name given to the plan; items are named `<plan_name>/items/<id>`.
  std::string plan_name = "plans/draft";
  // Plan year when the document prints none (0: take it from the text).
  int default_year = 0;
};

struct ParsedPlan {
  duban::plan::v1::Plan plan;                // state DRAFT, no etag or times
  std::vector<duban::plan::v1::Item> items;  // printed order, ordinal 1..n
  std::vector<duban::plan::v1::ImportWarning> warnings;
};

// Parses a plan document. Fails with INVALID_ARGUMENT (naming the problem
// and, where useful, the byte offset) when the input is empty, larger than
// kMaxDocumentBytes, not valid UTF-8, binary (NUL or other control bytes),
// or holds no section or item at all. Anything else it does not understand
// becomes a warning with its line number; no text is dropped silently.
absl::StatusOr<ParsedPlan> ParsePlanDocument(absl::string_view content,
                                             const ImportOptions& options);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_IMPORTER_H_
