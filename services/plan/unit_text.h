// Reads the responsible-unit text of an item (责任单位：秘书处、相关处室) into
// unit references with their roles and kinds.
#ifndef DUBAN_SERVICES_PLAN_UNIT_TEXT_H_
#define DUBAN_SERVICES_PLAN_UNIT_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "duban/plan/v1/plan.pb.h"
#include "services/plan/text.h"

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
//
// Also accepted: labels inside the text ("牵头单位：A；配合单位：B"), prose
// roles (A牵头，B配合 / A负责，B协助 / 由A牵头 / A会同B), names separated by
// 、 , ; or whitespace, a trailing 。 and enclosing brackets. A placeholder is
// never the default lead: the lead is the first real unit or group listed.
ParsedUnits ParseResponsibleUnits(absl::string_view text);

// How a source of unit names marks their role.
enum class UnitRoleHint {
  kDefault,  // 责任单位: first listed leads unless a lead is marked elsewhere
  kLead,     // 牵头单位
  kCo,       // 配合单位 / 协作单位
};

// Collects the units of one item from every place the document prints them
// (labelled lines, a parenthesis, table columns) and assigns roles once all
// are in, so that 牵头单位 on one line makes 责任单位 on another
// co-responsible.
class UnitListBuilder {
 public:
  void Add(const Text& text, UnitRoleHint hint);
  ParsedUnits Finish() const;
  bool empty() const { return entries_.empty(); }
  // True when every name read so far looks like a unit (LooksLikeUnitName).
  bool AllNamesLookLikeUnits() const;

 private:
  struct Entry {
    Text name;  // as printed, encoded only when the list is finished
    duban::plan::v1::UnitRef::Kind kind;
    UnitRoleHint hint;
  };
  void AddClause(const Text& clause, UnitRoleHint hint);
  void AddName(const Text& name, UnitRoleHint hint);

  std::vector<Entry> entries_;
  bool open_ended_ = false;
};

// The kind of a unit name, given in normalised form.
duban::plan::v1::UnitRef::Kind ClassifyUnitName(std::u32string_view norm_name);

// True when the normalised name ends like a department (处 科 室 部 办 院 所 站
// 中心 委 组 局 会 队 …) or is a placeholder or group.
bool LooksLikeUnitName(std::u32string_view norm_name);

// True when `text` (say, the content of an item's trailing parenthesis) reads
// as a list of responsible units: a unit label, or only unit-like names with
// role words, and no digits, quotes or book titles. (2019-2022年),
// (其中省实事园 43 所…) and (联盟) are not.
bool LooksLikeUnitText(const Text& text);
bool LooksLikeUnitText(absl::string_view text);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_UNIT_TEXT_H_
