// Resolution of unit names as printed in plan documents (督导科, 教育考试院,
// 相关科室站, 厅扶贫领导小组成员处室) to the units of one organization. Pure
// functions over a list of units: no store, no gRPC, so the rules are
// table-tested on their own (tests/unit/unit_resolve_test.cc).
//
// Matching, first tier that finds a unit wins:
//   1. EXACT_SHORT_NAME, FULL_NAME, ALIAS: the printed name, trimmed of
//      surrounding spaces, equals the unit's short name, full name or an
//      alias.
//   2. NORMALIZED: NormalizeUnitName() of both sides are equal.
// Unit names are unique within an organization after normalization (the
// domain enforces it), so at most one unit matches. Abbreviations (督导科 ↔
// 教育督导科) are never applied: SuggestUnits() offers them with a reason.
#ifndef DUBAN_SERVICES_UNIT_RESOLVE_H_
#define DUBAN_SERVICES_UNIT_RESOLVE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "duban/unit/v1/unit.pb.h"
#include "duban/unit/v1/unit_service.pb.h"

namespace duban::unit {

// The form names are compared in.
struct NormalizedName {
  std::string text;
  // A trailing 等 ("and others") was stripped.
  bool open_ended = false;
};

// Full-width ASCII → half-width; spaces (ASCII, U+3000, NBSP) and the
// separators ：:（）()、·• removed; trailing 。，、；;,.！!等 stripped (等 sets
// open_ended); traditional → simplified for the characters of unit names;
// ASCII lower-cased. Invalid UTF-8 bytes become U+FFFD.
NormalizedName NormalizeUnitName(absl::string_view name);

// True when a normalized name denotes no unit in particular: 相关处室,
// 各科室站, 有关单位, … (相关/有关/各/其他 + 处室/科室/单位/部门/…).
bool IsPlaceholderName(absl::string_view normalized);

// When a normalized name denotes the members of a group
// (厅扶贫领导小组成员处室, …成员单位), the group's own name (厅扶贫领导小组);
// nullopt otherwise.
std::optional<std::string> GroupMembersBase(absl::string_view normalized);

// True when a normalized name looks like a group itself (…领导小组,
// …工作小组).
bool IsGroupName(absl::string_view normalized);

// Likely abbreviations or expansions of `normalized` among the active units
// (PLACEHOLDER units excluded; when `groups_only`, only WORKING_GROUP
// units), best first, at most `limit`, one per unit.
std::vector<v1::UnitSuggestion> SuggestUnits(absl::string_view normalized,
                                             const std::vector<v1::Unit>& units,
                                             bool groups_only, int limit = 5);

// Resolves one printed name against the units of one organization.
v1::UnitNameResolution ResolveUnitName(absl::string_view printed,
                                       const std::vector<v1::Unit>& units);

// The name keys of a unit: the normalized forms of its short name, full
// name and aliases, without duplicates or empties. Two units of an
// organization may not share a key.
std::vector<std::string> UnitNameKeys(const v1::Unit& unit);

}  // namespace duban::unit

#endif  // DUBAN_SERVICES_UNIT_RESOLVE_H_
