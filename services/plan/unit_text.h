// Reads the responsible-unit text of an item (责任单位：秘书处、相关处室) into
// unit references with their roles and kinds.
#ifndef DUBAN_SERVICES_PLAN_UNIT_TEXT_H_
#define DUBAN_SERVICES_PLAN_UNIT_TEXT_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "duban/plan/v1/plan.pb.h"

namespace duban::plan {

struct ParsedUnits {
  std::vector<duban::plan::v1::UnitRef> units;  // printed order
  bool open_ended = false;                      // the list ended in 等
};

// Parses unit text without its label ("A、B牵头，C按职责分工负责",
// "组宣部、秘书科等"). The first unit is LEAD unless the text marks leads
// explicitly (牵头); placeholders (相关处室, 各科室站) and groups
// (…领导小组成员处室) are kinded as such. Never fails: text it cannot read is
// kept as a UNIT with the printed name.
ParsedUnits ParseResponsibleUnits(absl::string_view text);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_UNIT_TEXT_H_
