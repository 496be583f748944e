#include "services/plan/labels.h"

namespace duban::plan {
namespace {

struct Keyword {
  std::u32string_view word;  // normalised (simplified) spelling
  FieldKind kind;
};

// Longest first within a shared prefix, so that 牵头责任单位 wins over 牵头 and
// 牵头领导 (a person) over 牵头 (units).
constexpr Keyword kLabels[] = {
    {U"牵头责任单位", FieldKind::kLeadUnits},
    {U"牵头单位", FieldKind::kLeadUnits},
    {U"牵头处室", FieldKind::kLeadUnits},
    {U"牵头科室站", FieldKind::kLeadUnits},
    {U"牵头科室", FieldKind::kLeadUnits},
    {U"牵头部门", FieldKind::kLeadUnits},
    {U"牵头领导", FieldKind::kPerson},
    {U"牵头", FieldKind::kLeadUnits},
    {U"主要协作单位", FieldKind::kCoUnits},
    {U"协作单位", FieldKind::kCoUnits},
    {U"协办单位", FieldKind::kCoUnits},
    {U"协同单位", FieldKind::kCoUnits},
    {U"配合单位", FieldKind::kCoUnits},
    {U"配合处室", FieldKind::kCoUnits},
    {U"配合科室", FieldKind::kCoUnits},
    {U"配合部门", FieldKind::kCoUnits},
    {U"参与单位", FieldKind::kCoUnits},
    {U"配合", FieldKind::kCoUnits},
    {U"协作", FieldKind::kCoUnits},
    {U"责任单位", FieldKind::kUnits},
    {U"责任处室", FieldKind::kUnits},
    {U"责任科室站", FieldKind::kUnits},
    {U"责任科室", FieldKind::kUnits},
    {U"责任部门", FieldKind::kUnits},
    {U"承办单位", FieldKind::kUnits},
    {U"实施单位", FieldKind::kUnits},
    {U"主责单位", FieldKind::kUnits},
    {U"责任主体", FieldKind::kUnits},
    {U"责任人", FieldKind::kPerson},
    {U"责任领导", FieldKind::kPerson},
    {U"分管领导", FieldKind::kPerson},
    {U"联系人", FieldKind::kPerson},
    {U"目标任务", FieldKind::kTarget},
    {U"工作目标", FieldKind::kTarget},
    {U"主要目标", FieldKind::kTarget},
    {U"任务目标", FieldKind::kTarget},
    {U"目标要求", FieldKind::kTarget},
    {U"目标", FieldKind::kTarget},
    {U"工作措施", FieldKind::kMeasures},
    {U"主要措施", FieldKind::kMeasures},
    {U"具体措施", FieldKind::kMeasures},
    {U"推进措施", FieldKind::kMeasures},
    {U"工作举措", FieldKind::kMeasures},
    {U"主要举措", FieldKind::kMeasures},
    {U"措施", FieldKind::kMeasures},
    {U"完成时限", FieldKind::kDeadline},
    {U"完成时间", FieldKind::kDeadline},
    {U"时间节点", FieldKind::kDeadline},
    {U"时限要求", FieldKind::kDeadline},
    {U"时间要求", FieldKind::kDeadline},
    {U"时限", FieldKind::kDeadline},
    {U"备注", FieldKind::kNote},
    {U"说明", FieldKind::kNote},
};

constexpr Keyword kColumnsOnly[] = {
    {U"序号", FieldKind::kNumber},   {U"编号", FieldKind::kNumber},
    {U"工作任务", FieldKind::kTask}, {U"重点任务", FieldKind::kTask},
    {U"主要任务", FieldKind::kTask}, {U"具体任务", FieldKind::kTask},
    {U"工作内容", FieldKind::kTask}, {U"工作事项", FieldKind::kTask},
    {U"重点工作", FieldKind::kTask}, {U"任务内容", FieldKind::kTask},
    {U"工作要点", FieldKind::kTask}, {U"任务", FieldKind::kTask},
};

bool HasAt(std::u32string_view s, std::size_t pos, std::u32string_view w) {
  return s.size() >= pos + w.size() && s.substr(pos, w.size()) == w;
}

}  // namespace

bool IsUnitField(FieldKind kind) {
  return kind == FieldKind::kUnits || kind == FieldKind::kLeadUnits ||
         kind == FieldKind::kCoUnits;
}

std::optional<FieldLabel> LabelAt(const Text& t, std::size_t pos) {
  std::u32string_view s = t.norm;
  std::size_t p = SkipSpaces(s, pos);
  // 【责任单位】 / [责任单位]: the bracket is the label's colon.
  char32_t close = 0;
  if (p < s.size() && (s[p] == U'【' || s[p] == U'[')) {
    close = s[p] == U'【' ? U'】' : U']';
    ++p;
  }
  // Most positions start no label: check the first character once.
  static const std::u32string* const kFirsts = [] {
    auto* firsts = new std::u32string();
    for (const Keyword& k : kLabels) {
      if (firsts->find(k.word[0]) == std::u32string::npos) {
        firsts->push_back(k.word[0]);
      }
    }
    return firsts;
  }();
  if (p >= s.size() || kFirsts->find(s[p]) == std::u32string::npos) {
    return std::nullopt;
  }
  for (const Keyword& k : kLabels) {
    if (!HasAt(s, p, k.word)) continue;
    std::size_t q = SkipSpaces(s, p + k.word.size());
    if (close != 0) {
      if (q < s.size() && s[q] == close) {
        return FieldLabel{k.kind, pos, SkipSpaces(s, q + 1)};
      }
      return std::nullopt;
    }
    if (q < s.size() && s[q] == U':') {
      return FieldLabel{k.kind, pos, SkipSpaces(s, q + 1)};
    }
    // Only the longest keyword at this position is tried: 责任单位 without a
    // colon must not be read as 责任 + something.
    if (k.word.size() >= 4) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<FieldKind> ColumnKind(std::u32string_view norm_cell, bool exact) {
  std::u32string cell = StripSpaces(norm_cell);
  if (cell.empty()) return std::nullopt;
  for (const Keyword& k : kColumnsOnly) {
    if (cell == k.word) return k.kind;
  }
  for (const Keyword& k : kLabels) {
    if (cell == k.word) return k.kind;
  }
  if (exact || cell.size() > 8) return std::nullopt;
  // Looser spellings in a row of cells: 牵头处（科）室, 完成时限（月份）.
  auto has = [&](std::u32string_view w) {
    return cell.find(w) != std::u32string::npos;
  };
  if (has(U"序号") || has(U"编号")) return FieldKind::kNumber;
  if (has(U"领导") || has(U"责任人") || has(U"联系人")) {
    return FieldKind::kPerson;
  }
  if (has(U"牵头")) return FieldKind::kLeadUnits;
  if (has(U"配合") || has(U"协作") || has(U"协办") || has(U"参与")) {
    return FieldKind::kCoUnits;
  }
  if (has(U"责任")) return FieldKind::kUnits;
  if (has(U"时限") || has(U"时间")) {
    return FieldKind::kDeadline;
  }
  if (has(U"措施")) return FieldKind::kMeasures;
  if (has(U"目标")) return FieldKind::kTarget;
  if (has(U"任务") || has(U"内容") || has(U"事项") || has(U"要点")) {
    return FieldKind::kTask;
  }
  if (has(U"备注")) return FieldKind::kNote;
  return std::nullopt;
}

}  // namespace duban::plan
