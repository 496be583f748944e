#include "services/plan/unit_text.h"

#include <optional>
#include <utility>

#include "services/plan/labels.h"

namespace duban::plan {
namespace {

using ::duban::plan::v1::Role;
using ::duban::plan::v1::UnitRef;

bool EndsWithView(std::u32string_view s, std::u32string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

bool StartsWithView(std::u32string_view s, std::u32string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Role phrases closing a clause ("A、B牵头", "C按职责分工负责"), longest first.
struct RolePhrase {
  std::u32string_view words;
  UnitRoleHint role;
};
constexpr RolePhrase kRolePhrases[] = {
    {U"按照职责分工负责", UnitRoleHint::kCo},
    {U"按职责分工负责", UnitRoleHint::kCo},
    {U"按职能分工负责", UnitRoleHint::kCo},
    {U"按职责分工落实", UnitRoleHint::kCo},
    {U"根据职责分工负责", UnitRoleHint::kCo},
    {U"按职责负责", UnitRoleHint::kCo},
    {U"分工负责", UnitRoleHint::kCo},
    {U"为牵头单位", UnitRoleHint::kLead},
    {U"为配合单位", UnitRoleHint::kCo},
    {U"为协作单位", UnitRoleHint::kCo},
    {U"为责任单位", UnitRoleHint::kDefault},
    {U"共同牵头", UnitRoleHint::kLead},
    {U"分别牵头", UnitRoleHint::kLead},
    {U"牵头负责", UnitRoleHint::kLead},
    {U"负责牵头", UnitRoleHint::kLead},
    {U"牵头落实", UnitRoleHint::kLead},
    {U"牵头", UnitRoleHint::kLead},
    {U"负总责", UnitRoleHint::kLead},
    {U"主责", UnitRoleHint::kLead},
    {U"共同负责", UnitRoleHint::kDefault},
    {U"具体负责", UnitRoleHint::kLead},
    {U"负责", UnitRoleHint::kLead},
    {U"配合落实", UnitRoleHint::kCo},
    {U"协助配合", UnitRoleHint::kCo},
    {U"共同配合", UnitRoleHint::kCo},
    {U"积极配合", UnitRoleHint::kCo},
    {U"配合", UnitRoleHint::kCo},
    {U"协助", UnitRoleHint::kCo},
    {U"协同", UnitRoleHint::kCo},
    {U"协作", UnitRoleHint::kCo},
    {U"参与", UnitRoleHint::kCo},
    {U"参加", UnitRoleHint::kCo},
};

// Endings that make a printed name open-ended (…等), longest first.
constexpr std::u32string_view kOpenEndings[] = {
    U"等相关单位", U"等相关处室", U"等相关科室", U"等有关单位", U"等单位",
    U"等部门",     U"等处室",     U"等科室",     U"等科室站",   U"等",
};

constexpr std::u32string_view kUnitSuffixes[] = {
    U"处",   U"科",   U"室",   U"部",   U"办",   U"院",   U"所",   U"站",
    U"中心", U"委",   U"股",   U"组",   U"局",   U"会",   U"队",   U"厅",
    U"馆",   U"司",   U"署",   U"府",   U"支部", U"总支", U"公司", U"集团",
    U"大学", U"学院", U"党组", U"机关", U"专班", U"小组",
};

constexpr std::u32string_view kPlaceholderPrefixes[] = {
    U"相关", U"有关", U"各", U"其他", U"其它", U"其余", U"所有", U"全体",
};

// Splits a text into unit segments at the labels it carries
// ("牵头单位：A；配合单位：B"). Text before the first label takes `hint`;
// segments whose label is not about units (完成时限, 责任人) are dropped.
struct Segment {
  Text text;
  UnitRoleHint hint;
};

std::vector<Segment> SplitAtLabels(const Text& t, UnitRoleHint hint) {
  std::vector<Segment> out;
  std::size_t start = 0;
  std::optional<FieldKind> current;  // nullopt: before any label
  auto flush = [&](std::size_t end) {
    Text piece = t.Sub(start, end - start);
    if (!current.has_value()) {
      out.push_back({piece, hint});
    } else if (*current == FieldKind::kLeadUnits) {
      out.push_back({piece, UnitRoleHint::kLead});
    } else if (*current == FieldKind::kCoUnits) {
      out.push_back({piece, UnitRoleHint::kCo});
    } else if (*current == FieldKind::kUnits) {
      out.push_back({piece, hint});
    }
  };
  for (std::size_t i = 0; i < t.norm.size(); ++i) {
    if (i > 0 && !IsListSeparator(t.norm[i - 1]) && !IsSpace(t.norm[i - 1]) &&
        t.norm[i - 1] != U'。' && t.norm[i - 1] != U'(') {
      continue;
    }
    std::optional<FieldLabel> label = LabelAt(t, i);
    if (!label.has_value()) continue;
    flush(i);
    current = label->kind;
    start = label->content_begin;
    i = label->content_begin > 0 ? label->content_begin - 1 : 0;
  }
  flush(t.norm.size());
  return out;
}

// Strips what surrounds a unit list: whitespace, enclosing brackets and
// trailing punctuation.
Text StripListPunctuation(Text t) {
  for (;;) {
    t = Trim(t);
    if (t.empty()) return t;
    char32_t last = t.norm.back();
    if (last == U'。' || last == U'.' || last == U';' || last == U',' ||
        last == U'、' || last == U':') {
      t = t.Sub(0, t.size() - 1);
      continue;
    }
    char32_t first = t.norm.front();
    if (first == U'、' || first == U',' || first == U';' || first == U':') {
      t = t.Sub(1);
      continue;
    }
    if (first == U'(' && last == U')' &&
        MatchingOpen(t.norm, t.size() - 1) == 0) {
      t = t.Sub(1, t.size() - 2);
      continue;
    }
    return t;
  }
}

bool ContainsAny(std::u32string_view s, std::u32string_view chars) {
  return s.find_first_of(chars) != std::u32string_view::npos;
}

}  // namespace

UnitRef::Kind ClassifyUnitName(std::u32string_view name) {
  if (name.find(U"成员") != std::u32string_view::npos ||
      EndsWithView(name, U"小组") || EndsWithView(name, U"专班")) {
    return UnitRef::GROUP;
  }
  for (std::u32string_view p : kPlaceholderPrefixes) {
    if (StartsWithView(name, p) && name.size() > p.size()) {
      return UnitRef::PLACEHOLDER;
    }
  }
  return UnitRef::UNIT;
}

bool LooksLikeUnitName(std::u32string_view name) {
  if (name.size() < 2 || name.size() > 30) return false;
  if (ClassifyUnitName(name) != UnitRef::UNIT) return true;
  for (std::u32string_view s : kUnitSuffixes) {
    if (EndsWithView(name, s)) return true;
  }
  // 教育考试院（招生办）: a name qualified by a bracketed short form.
  if (name.back() == U')') {
    std::size_t open = MatchingOpen(name, name.size() - 1);
    if (open != kNpos && open > 0)
      return LooksLikeUnitName(name.substr(0, open));
  }
  return false;
}

void UnitListBuilder::Add(const Text& text, UnitRoleHint hint) {
  Text t = StripListPunctuation(text);
  for (Segment& seg : SplitAtLabels(t, hint)) {
    for (const Text& clause :
         SplitOutsideBrackets(StripListPunctuation(seg.text), U",;。")) {
      AddClause(clause, seg.hint);
    }
  }
}

void UnitListBuilder::AddClause(const Text& clause_in, UnitRoleHint hint) {
  Text clause = StripListPunctuation(clause_in);
  if (clause.StartsWith(U"由")) clause = clause.Sub(1);
  // "A会同B、C": A leads, the others help.
  std::size_t with = clause.Find(U"会同");
  if (with != kNpos && with > 0) {
    AddClause(clause.Sub(0, with), UnitRoleHint::kLead);
    AddClause(clause.Sub(with + 2), UnitRoleHint::kCo);
    return;
  }
  for (const RolePhrase& p : kRolePhrases) {
    if (clause.size() > p.words.size() && clause.EndsWith(p.words)) {
      clause = clause.Sub(0, clause.size() - p.words.size());
      if (p.role != UnitRoleHint::kDefault) hint = p.role;
      break;
    }
  }
  for (const Text& name : SplitOutsideBrackets(clause, U"、 \t")) {
    AddName(name, hint);
  }
}

void UnitListBuilder::AddName(const Text& name_in, UnitRoleHint hint) {
  Text name = StripListPunctuation(name_in);
  for (std::u32string_view ending : kOpenEndings) {
    if (name.EndsWith(ending)) {
      open_ended_ = true;
      name = Trim(name.Sub(0, name.size() - ending.size()));
      break;
    }
  }
  if (name.empty()) return;
  entries_.push_back({name, ClassifyUnitName(name.norm), hint});
}

ParsedUnits UnitListBuilder::Finish() const {
  ParsedUnits out;
  out.open_ended = open_ended_;
  bool explicit_lead = false;
  for (const Entry& e : entries_) {
    if (e.hint == UnitRoleHint::kLead) explicit_lead = true;
  }
  bool default_lead_taken = explicit_lead;
  for (const Entry& e : entries_) {
    UnitRef ref;
    ref.set_printed_name(e.name.Utf8());
    ref.set_kind(e.kind);
    Role role = v1::CO;
    if (e.hint == UnitRoleHint::kLead) {
      role = v1::LEAD;
    } else if (e.hint == UnitRoleHint::kDefault && !default_lead_taken &&
               e.kind != UnitRef::PLACEHOLDER) {
      role = v1::LEAD;
      default_lead_taken = true;
    }
    ref.set_role(role);
    out.units.push_back(std::move(ref));
  }
  return out;
}

ParsedUnits ParseResponsibleUnits(absl::string_view text) {
  UnitListBuilder builder;
  if (FindInvalidUtf8(text) == kNpos) {
    builder.Add(Text::FromUtf8(text), UnitRoleHint::kDefault);
  }
  return builder.Finish();
}

bool LooksLikeUnitText(const Text& text) {
  Text t = StripListPunctuation(text);
  if (t.empty() || t.size() > 150) return false;
  // A label settles it: (责任单位：…), (牵头单位：A；配合单位：B).
  for (std::size_t i = 0; i < t.norm.size(); ++i) {
    if (i > 0 && !IsListSeparator(t.norm[i - 1]) && !IsSpace(t.norm[i - 1])) {
      continue;
    }
    std::optional<FieldLabel> label = LabelAt(t, i);
    if (label.has_value() && IsUnitField(label->kind)) return true;
  }
  // Counts, years, quotations and titles are never unit lists.
  for (char32_t c : t.norm) {
    if (IsDigit(c)) return false;
  }
  if (ContainsAny(t.norm, U"《》“”\"‘’:")) return false;
  if (t.StartsWith(U"其中") || t.StartsWith(U"含") || t.StartsWith(U"包括") ||
      t.StartsWith(U"以下简称") || t.StartsWith(U"简称") ||
      t.StartsWith(U"试行") || t.StartsWith(U"暂行")) {
    return false;
  }
  UnitListBuilder builder;
  builder.Add(t, UnitRoleHint::kDefault);
  return !builder.empty() && builder.AllNamesLookLikeUnits();
}

bool UnitListBuilder::AllNamesLookLikeUnits() const {
  for (const Entry& e : entries_) {
    if (!LooksLikeUnitName(e.name.norm)) return false;
  }
  return true;
}

bool LooksLikeUnitText(absl::string_view text) {
  if (FindInvalidUtf8(text) != kNpos) return false;
  return LooksLikeUnitText(Text::FromUtf8(text));
}

}  // namespace duban::plan
