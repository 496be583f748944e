#include "services/unit/resolve.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace duban::unit {
namespace {

using v1::Unit;
using v1::UnitNameResolution;
using v1::UnitSuggestion;

constexpr char32_t kReplacement = 0xFFFD;

// ---------------------------------------------------------------------------
// UTF-8 <-> code points.

// Decodes one code point at `s[*i]`, advancing `*i`; U+FFFD (advancing one
// byte) for anything that is not well-formed UTF-8.
char32_t DecodeOne(absl::string_view s, std::size_t* i) {
  const auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[k]);
  };
  const unsigned char b0 = byte(*i);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++*i;
    return kReplacement;
  }
  if (*i + len > s.size()) {
    ++*i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const unsigned char b = byte(*i + k);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return kReplacement;
  }
  *i += len;
  return cp;
}

std::u32string Decode(absl::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) out.push_back(DecodeOne(s, &i));
  return out;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string Encode(const std::u32string& s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t cp : s) AppendUtf8(cp, &out);
  return out;
}

// ---------------------------------------------------------------------------
// Traditional → simplified.
//
// A table of the characters that occur in the names of government units,
// rather than OpenCC (Debian's libopencc-dev): OpenCC is not installed on our
// build hosts, loads its dictionaries from data files at run time (one more
// path to configure in every image), and converts phrases, which unit names
// do not need. Unit names use a small, closed vocabulary (处 科 室 厅 委 党
// 组 办 …); each entry below is a one-to-one mapping that is unambiguous in
// that vocabulary (乾/幹 → 干 and the like are left out on purpose). A name
// with a character outside the table simply does not match: it comes back
// SUGGESTED or UNKNOWN, never silently mis-mapped. Pairs: traditional first.
constexpr absl::string_view kTraditionalSimplified[] = {
    "處处", "廳厅", "機机", "關关", "黨党", "員员", "會会", "組组", "織织",
    "辦办", "師师", "資资", "規规", "劃划", "財财", "職职", "學学", "導导",
    "監监", "紀纪", "檢检", "統统", "戰战", "傳传", "務务", "廣广", "電电",
    "視视", "體体", "衛卫", "藝艺", "國国", "際际", "試试", "術术", "發发",
    "綜综", "計计", "訊讯", "網网", "絡络", "裝装", "備备", "語语", "幹干",
    "離离", "總总", "領领", "單单", "區区", "縣县", "陽阳", "長长", "園园",
    "醫医", "療疗", "穩稳", "維维", "報报", "條条", "鄉乡", "鎮镇", "東东",
    "兒儿", "雲云", "貧贫", "應应", "對对", "聯联", "質质", "評评", "價价",
    "產产", "業业", "隊队", "團团", "婦妇", "協协", "實实", "驗验", "設设",
    "習习", "訓训", "練练", "進进", "運运", "動动", "場场", "館馆", "書书",
    "圖图", "級级", "課课", "編编", "審审", "構构", "標标", "準准", "認认",
    "證证", "專专", "門门", "項项", "獎奖", "勵励", "優优", "義义", "階阶",
    "殘残", "獨独", "環环", "營营", "養养", "飲饮", "輔辅", "諮咨", "詢询",
    "與与", "為为", "開开", "讀读", "講讲", "潔洁", "風风", "險险", "災灾",
    "護护", "禮礼", "儀仪", "樂乐", "歷历", "數数", "據据", "庫库", "雜杂",
    "誌志", "廠厂", "礦矿", "貸贷", "銀银", "稅税", "費费", "經经", "濟济",
    "購购", "買买", "賣卖", "樓楼", "島岛", "齊齐", "濱滨", "灣湾", "嶺岭",
    "遼辽", "寧宁", "蘇苏", "閩闽", "贛赣", "魯鲁", "粵粤", "瓊琼", "陝陕",
    "隴陇", "僑侨", "臺台", "顧顾", "問问", "題题", "議议", "論论", "調调",
    "測测", "線线", "創创", "勞劳", "難难", "觀观", "節节", "約约", "慶庆",
    "遠远", "邊边", "屬属", "轄辖", "轉转", "權权", "狀状", "況况", "錄录",
    "號号", "態态", "點点", "參参", "舉举", "鑒鉴", "聲声", "藥药", "眾众",
    "衆众", "鐵铁", "軍军", "車车", "輛辆", "績绩", "複复", "復复", "擴扩",
    "嚴严", "肅肃", "範范", "繼继", "續续", "後后", "檔档", "幣币", "龍龙",
    "華华", "豐丰", "億亿", "萬万", "個个", "們们", "來来", "時时", "間间",
};

struct CharPair {
  char32_t from;
  char32_t to;
};

// The table decoded and sorted once, for binary search.
const std::vector<CharPair>& SimplifiedTable() {
  static const std::vector<CharPair>* table = [] {
    auto* pairs = new std::vector<CharPair>();
    for (absl::string_view entry : kTraditionalSimplified) {
      const std::u32string cps = Decode(entry);
      if (cps.size() == 2 && cps[0] != cps[1])
        pairs->push_back({cps[0], cps[1]});
    }
    std::sort(
        pairs->begin(), pairs->end(),
        [](const CharPair& a, const CharPair& b) { return a.from < b.from; });
    pairs->erase(std::unique(pairs->begin(), pairs->end(),
                             [](const CharPair& a, const CharPair& b) {
                               return a.from == b.from;
                             }),
                 pairs->end());
    return pairs;
  }();
  return *table;
}

char32_t ToSimplified(char32_t cp) {
  if (cp < 0x4E00) return cp;
  const auto& table = SimplifiedTable();
  auto it = std::lower_bound(
      table.begin(), table.end(), cp,
      [](const CharPair& pair, char32_t value) { return pair.from < value; });
  return it != table.end() && it->from == cp ? it->to : cp;
}

// ---------------------------------------------------------------------------
// Normalization.

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
         cp == '\v' || cp == 0x00A0 || cp == 0x3000 || cp == 0xFEFF ||
         (cp >= 0x2000 && cp <= 0x200B);
}

// Separators removed wherever they stand (after full-width folding).
bool IsRemovedSeparator(char32_t cp) {
  return cp == ':' || cp == '(' || cp == ')' || cp == 0x3001 /* 、 */ ||
         cp == 0x00B7 /* · */ || cp == 0x2022 /* • */ || cp == 0x30FB /* ・ */;
}

// Punctuation stripped at the end (and the start) of a name.
bool IsTrailingPunctuation(char32_t cp) {
  return cp == 0x3002 /* 。 */ || cp == ',' || cp == ';' || cp == '.' ||
         cp == '!' || cp == '?' || cp == 0x2026 /* … */ || cp == 0xFF61;
}

constexpr char32_t kDeng = 0x7B49;  // 等

std::u32string NormalizeCodePoints(absl::string_view name, bool* open_ended) {
  std::u32string out;
  for (char32_t cp : Decode(name)) {
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if (IsSpace(cp) || IsRemovedSeparator(cp)) continue;
    out.push_back(ToSimplified(cp));
  }
  *open_ended = false;
  while (!out.empty()) {
    if (IsTrailingPunctuation(out.back())) {
      out.pop_back();
    } else if (out.back() == kDeng && out.size() > 1) {
      out.pop_back();
      *open_ended = true;
    } else {
      break;
    }
  }
  std::size_t lead = 0;
  while (lead < out.size() && IsTrailingPunctuation(out[lead])) ++lead;
  out.erase(0, lead);
  return out;
}

std::u32string NormalizedCodePoints(absl::string_view name) {
  bool open_ended = false;
  return NormalizeCodePoints(name, &open_ended);
}

bool StartsWith(const std::u32string& s, const std::u32string& prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin());
}

bool EndsWith(const std::u32string& s, const std::u32string& suffix) {
  return s.size() >= suffix.size() &&
         std::equal(suffix.rbegin(), suffix.rend(), s.rbegin());
}

// Trims spaces at both ends, keeping everything else as printed.
absl::string_view TrimSpaces(absl::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    std::size_t next = begin;
    if (!IsSpace(DecodeOne(s, &next))) break;
    begin = next;
  }
  std::size_t end = s.size();
  while (end > begin) {
    // Step back to the start of the last code point.
    std::size_t start = end - 1;
    while (start > begin &&
           (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    std::size_t probe = start;
    if (!IsSpace(DecodeOne(s, &probe))) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

// ---------------------------------------------------------------------------
// Placeholders and groups.

const std::vector<std::u32string>& PlaceholderPrefixes() {
  static const auto* list = new std::vector<std::u32string>{
      U"相关",   U"有关",   U"各",     U"其他",   U"其它",  U"厅直各",
      U"厅属各", U"直属各", U"市直各", U"局直各", U"机关各"};
  return *list;
}

const std::vector<std::u32string>& PlaceholderSuffixes() {
  static const auto* list = new std::vector<std::u32string>{
      U"处室", U"科室站", U"科室", U"单位", U"部门", U"站所", U"处",
      U"科",   U"室",     U"站",   U"中心", U"学校", U"高校", U"局"};
  return *list;
}

const std::vector<std::u32string>& GroupMemberSuffixes() {
  static const auto* list = new std::vector<std::u32string>{
      U"成员处室", U"成员单位", U"成员科室站", U"成员科室", U"成员部门"};
  return *list;
}

const std::vector<std::u32string>& GroupSuffixes() {
  static const auto* list = new std::vector<std::u32string>{
      U"领导小组", U"工作小组", U"工作专班", U"联席会议"};
  return *list;
}

// ---------------------------------------------------------------------------
// Suggestions.

// Prefixes and middle parts that printed short forms commonly drop.
const std::vector<std::u32string>& KnownPrefixes() {
  static const auto* list = new std::vector<std::u32string>{
      U"教育", U"省",   U"市",   U"县",       U"区",       U"厅",
      U"局",   U"机关", U"中共", U"省教育厅", U"市教育局", U"厅机关"};
  return *list;
}

const std::vector<std::u32string>& KnownMiddles() {
  static const auto* list = new std::vector<std::u32string>{
      U"工作", U"管理", U"教育", U"事务", U"服务",
      U"发展", U"建设", U"与",   U"和"};
  return *list;
}

bool Contains(const std::vector<std::u32string>& list,
              const std::u32string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool IsSubsequence(const std::u32string& shorter,
                   const std::u32string& longer) {
  std::size_t j = 0;
  for (char32_t cp : longer) {
    if (j < shorter.size() && shorter[j] == cp) ++j;
  }
  return j == shorter.size();
}

struct Resemblance {
  UnitSuggestion::Rule rule = UnitSuggestion::RULE_UNSPECIFIED;
  double score = 0;
  std::string reason;
};

std::string Quoted(const std::u32string& s) {
  return absl::StrCat("\"", Encode(s), "\"");
}

// How `printed` resembles `name` (both normalized), if it does.
Resemblance Compare(const std::u32string& printed, const std::u32string& name) {
  Resemblance r;
  if (printed.empty() || name.empty() || printed == name ||
      printed.size() == name.size()) {
    return r;
  }
  const bool printed_is_short = printed.size() < name.size();
  const std::u32string& shorter = printed_is_short ? printed : name;
  const std::u32string& longer = printed_is_short ? name : printed;
  if (shorter.size() < 2) return r;

  // 1. The longer is the shorter with a prefix: 督导科 ↔ 教育督导科.
  if (EndsWith(longer, shorter)) {
    const std::u32string prefix =
        longer.substr(0, longer.size() - shorter.size());
    const bool known = Contains(KnownPrefixes(), prefix);
    if (known || prefix.size() <= 4) {
      r.rule = UnitSuggestion::PREFIX_REMOVED;
      r.score = known ? 0.9 : 0.7;
      r.reason = printed_is_short
                     ? absl::StrCat(Quoted(printed), " is ", Quoted(name),
                                    " without the prefix ", Quoted(prefix))
                     : absl::StrCat(Quoted(printed), " is ", Quoted(name),
                                    " with the prefix ", Quoted(prefix));
      return r;
    }
  }

  // 2. The longer is the shorter with a middle part: 教师科 ↔ 教师工作科.
  std::size_t common_prefix = 0;
  while (common_prefix < shorter.size() &&
         shorter[common_prefix] == longer[common_prefix]) {
    ++common_prefix;
  }
  std::size_t common_suffix = 0;
  while (common_suffix < shorter.size() &&
         shorter[shorter.size() - 1 - common_suffix] ==
             longer[longer.size() - 1 - common_suffix]) {
    ++common_suffix;
  }
  const std::size_t head = std::min(common_prefix, shorter.size() - 1);
  const std::size_t tail = shorter.size() - head;
  if (head >= 1 && tail >= 1 && tail <= common_suffix) {
    const std::u32string middle =
        longer.substr(head, longer.size() - head - tail);
    const bool known = Contains(KnownMiddles(), middle);
    if (known || middle.size() <= 3) {
      r.rule = UnitSuggestion::MIDDLE_REMOVED;
      r.score = known ? 0.85 : 0.65;
      r.reason = printed_is_short
                     ? absl::StrCat(Quoted(printed), " is ", Quoted(name),
                                    " without ", Quoted(middle))
                     : absl::StrCat(Quoted(printed), " is ", Quoted(name),
                                    " with ", Quoted(middle), " added");
      return r;
    }
  }

  // 3. The shorter's characters appear in order in the longer, with the
  // same final character (科/处/院): 基教科 ↔ 基础教育科.
  if (shorter.back() == longer.back() && IsSubsequence(shorter, longer) &&
      2 * shorter.size() >= longer.size()) {
    r.rule = UnitSuggestion::SUBSEQUENCE;
    r.score = 0.3 + 0.4 * static_cast<double>(shorter.size()) /
                        static_cast<double>(longer.size());
    if (shorter.front() == longer.front()) r.score += 0.1;
    r.reason = absl::StrCat("the characters of ", Quoted(shorter),
                            " appear in order in ", Quoted(longer),
                            ", with the same final character \"",
                            Encode(std::u32string(1, shorter.back())), "\"");
  }
  return r;
}

// Names of a unit in the order they are tried.
std::vector<const std::string*> NamesOf(const Unit& unit) {
  std::vector<const std::string*> names = {&unit.short_name()};
  if (!unit.full_name().empty()) names.push_back(&unit.full_name());
  for (const std::string& alias : unit.aliases()) names.push_back(&alias);
  return names;
}

struct Found {
  const Unit* unit = nullptr;
  UnitNameResolution::Match match = UnitNameResolution::MATCH_UNSPECIFIED;
};

// The unit `trimmed` (as printed) or `normalized` names, by the tiers
// documented in the header.
Found FindUnit(absl::string_view trimmed, const std::u32string& normalized,
               const std::vector<Unit>& units) {
  for (const Unit& unit : units) {
    if (unit.short_name() == trimmed) {
      return {&unit, UnitNameResolution::EXACT_SHORT_NAME};
    }
  }
  for (const Unit& unit : units) {
    if (!unit.full_name().empty() && unit.full_name() == trimmed) {
      return {&unit, UnitNameResolution::FULL_NAME};
    }
  }
  for (const Unit& unit : units) {
    for (const std::string& alias : unit.aliases()) {
      if (alias == trimmed) return {&unit, UnitNameResolution::ALIAS};
    }
  }
  if (normalized.empty()) return {};
  for (const Unit& unit : units) {
    for (const std::string* name : NamesOf(unit)) {
      if (NormalizedCodePoints(*name) == normalized) {
        return {&unit, UnitNameResolution::NORMALIZED};
      }
    }
  }
  return {};
}

void SetFound(const Found& found, UnitNameResolution* out) {
  out->set_unit(found.unit->name());
  out->set_match(found.match);
  out->set_unit_active(found.unit->active());
}

}  // namespace

NormalizedName NormalizeUnitName(absl::string_view name) {
  NormalizedName out;
  out.text = Encode(NormalizeCodePoints(name, &out.open_ended));
  return out;
}

bool IsPlaceholderName(absl::string_view normalized) {
  const std::u32string s = Decode(normalized);
  if (s.size() > 12) return false;
  bool prefixed = false;
  for (const auto& prefix : PlaceholderPrefixes()) {
    prefixed |= StartsWith(s, prefix);
  }
  if (!prefixed) return false;
  for (const auto& suffix : PlaceholderSuffixes()) {
    if (EndsWith(s, suffix)) return true;
  }
  return false;
}

std::optional<std::string> GroupMembersBase(absl::string_view normalized) {
  const std::u32string s = Decode(normalized);
  for (const auto& suffix : GroupMemberSuffixes()) {
    if (EndsWith(s, suffix) && s.size() > suffix.size()) {
      return Encode(s.substr(0, s.size() - suffix.size()));
    }
  }
  return std::nullopt;
}

bool IsGroupName(absl::string_view normalized) {
  const std::u32string s = Decode(normalized);
  for (const auto& suffix : GroupSuffixes()) {
    if (EndsWith(s, suffix)) return true;
  }
  return false;
}

std::vector<UnitSuggestion> SuggestUnits(absl::string_view normalized,
                                         const std::vector<Unit>& units,
                                         bool groups_only, int limit) {
  const std::u32string printed = Decode(normalized);
  std::vector<UnitSuggestion> out;
  for (const Unit& unit : units) {
    if (!unit.active() || unit.kind() == Unit::PLACEHOLDER) continue;
    if (groups_only && unit.kind() != Unit::WORKING_GROUP) continue;
    Resemblance best;
    std::string best_name;
    for (const std::string* name : NamesOf(unit)) {
      Resemblance r = Compare(printed, NormalizedCodePoints(*name));
      if (r.score > best.score) {
        best = std::move(r);
        best_name = *name;
      }
    }
    if (best.rule == UnitSuggestion::RULE_UNSPECIFIED) continue;
    UnitSuggestion suggestion;
    suggestion.set_unit(unit.name());
    suggestion.set_matched_name(best_name);
    suggestion.set_rule(best.rule);
    suggestion.set_reason(best.reason);
    suggestion.set_score(best.score);
    out.push_back(std::move(suggestion));
  }
  std::sort(out.begin(), out.end(),
            [](const UnitSuggestion& a, const UnitSuggestion& b) {
              if (a.score() != b.score()) return a.score() > b.score();
              return a.unit() < b.unit();
            });
  if (limit >= 0 && out.size() > static_cast<std::size_t>(limit)) {
    out.resize(limit);
  }
  return out;
}

UnitNameResolution ResolveUnitName(absl::string_view printed,
                                   const std::vector<Unit>& units) {
  UnitNameResolution out;
  out.set_printed_name(std::string(printed));
  bool open_ended = false;
  const std::u32string normalized = NormalizeCodePoints(printed, &open_ended);
  const std::string normalized_text = Encode(normalized);
  out.set_normalized_name(normalized_text);
  out.set_open_ended(open_ended);

  const Found found = FindUnit(TrimSpaces(printed), normalized, units);
  if (found.unit != nullptr) {
    SetFound(found, &out);
    switch (found.unit->kind()) {
      case Unit::PLACEHOLDER:
        out.set_outcome(UnitNameResolution::PLACEHOLDER);
        break;
      case Unit::WORKING_GROUP:
        out.set_outcome(UnitNameResolution::GROUP);
        break;
      default:
        out.set_outcome(UnitNameResolution::RESOLVED);
    }
    return out;
  }
  if (IsPlaceholderName(normalized_text)) {
    out.set_outcome(UnitNameResolution::PLACEHOLDER);
    return out;
  }
  std::optional<std::string> base = GroupMembersBase(normalized_text);
  if (base.has_value() || IsGroupName(normalized_text)) {
    out.set_outcome(UnitNameResolution::GROUP);
    const std::string group = base.value_or(normalized_text);
    if (base.has_value()) {
      const Found group_unit = FindUnit(group, Decode(group), units);
      if (group_unit.unit != nullptr &&
          group_unit.unit->kind() == Unit::WORKING_GROUP) {
        SetFound(group_unit, &out);
        return out;
      }
    }
    for (auto& s : SuggestUnits(group, units, /*groups_only=*/true)) {
      *out.add_suggestions() = std::move(s);
    }
    return out;
  }
  for (auto& s : SuggestUnits(normalized_text, units, /*groups_only=*/false)) {
    *out.add_suggestions() = std::move(s);
  }
  out.set_outcome(out.suggestions().empty() ? UnitNameResolution::UNKNOWN
                                            : UnitNameResolution::SUGGESTED);
  return out;
}

std::vector<std::string> UnitNameKeys(const Unit& unit) {
  std::vector<std::string> keys;
  for (const std::string* name : NamesOf(unit)) {
    std::string key = NormalizeUnitName(*name).text;
    if (key.empty()) continue;
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(std::move(key));
    }
  }
  return keys;
}

}  // namespace duban::unit
