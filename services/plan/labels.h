// The field labels of plan documents (目标任务：, 工作措施：, 责任单位：,
// 牵头单位：, 完成时限：, …) and the column names of task-decomposition
// tables (序号 | 工作任务 | 牵头单位 | …), recognised in simplified and
// traditional characters with full-width or ASCII punctuation.
#ifndef DUBAN_SERVICES_PLAN_LABELS_H_
#define DUBAN_SERVICES_PLAN_LABELS_H_

#include <cstddef>
#include <optional>
#include <string_view>

#include "services/plan/text.h"

namespace duban::plan {

// What a labelled paragraph or a table column holds.
enum class FieldKind {
  kNumber,     // 序号
  kTask,       // 工作任务 (table column)
  kTarget,     // 目标任务
  kMeasures,   // 工作措施
  kUnits,      // 责任单位: the first listed leads unless another marks it
  kLeadUnits,  // 牵头单位
  kCoUnits,    // 配合单位 / 协作单位
  kDeadline,   // 完成时限
  kPerson,     // 责任人 (a person, not a unit)
  kNote,       // 备注
};

// True for the kinds whose text lists responsible units.
bool IsUnitField(FieldKind kind);

struct FieldLabel {
  FieldKind kind;
  std::size_t begin = 0;          // index of the label's first character
  std::size_t content_begin = 0;  // index just past the label and its colon
};

// Reads a label at `pos` of `t` ("责任单位：", "牵头单位:", "【责任单位】"), or
// nullopt. A label needs its colon (or brackets): a sentence that merely
// starts with the same words is not a label.
std::optional<FieldLabel> LabelAt(const Text& t, std::size_t pos);

// The kind of a table column header cell (序号, 工作任务, 牵头单位, …), or
// nullopt. With `exact`, the cell must be a known column name and nothing
// else (used when every cell stands on its own line, where a looser match
// would take prose for a header).
std::optional<FieldKind> ColumnKind(std::u32string_view norm_cell, bool exact);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_LABELS_H_
