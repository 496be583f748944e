#include "services/plan/importer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/plan/deadlines.h"
#include "services/plan/indicators.h"
#include "services/plan/labels.h"
#include "services/plan/text.h"
#include "services/plan/unit_text.h"

namespace duban::plan {
namespace {

using ::duban::plan::v1::ImportWarning;
using ::duban::plan::v1::Item;
using ::duban::plan::v1::Plan;
using ::duban::plan::v1::Section;

// ---------------------------------------------------------------------------
// Input checks.

absl::Status ValidateContent(absl::string_view content) {
  if (content.size() > kMaxDocumentBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "content: document is %d bytes, larger than the limit of %d bytes",
        content.size(), kMaxDocumentBytes));
  }
  if (content.empty()) {
    return absl::InvalidArgumentError("content: document is empty");
  }
  std::size_t bad = FindInvalidUtf8(content);
  if (bad != kNpos) {
    return absl::InvalidArgumentError(
        absl::StrFormat("content: not valid UTF-8 at byte %d", bad));
  }
  for (std::size_t i = 0; i < content.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(content[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ||
        c == 0x7F) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "content: binary data (control byte 0x%02X) at byte %d", c, i));
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Lines.

struct Line {
  int number = 0;  // 1-based
  Text text;       // trimmed
};

std::vector<Line> SplitLines(absl::string_view content) {
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  std::u32string all = DecodeUtf8(content);
  std::vector<Line> lines;
  std::size_t start = 0;
  int number = 1;
  for (std::size_t i = 0; i <= all.size(); ++i) {
    bool end = i == all.size();
    if (!end && all[i] != U'\n' && all[i] != U'\r') continue;
    Line line;
    line.number = number++;
    line.text =
        Trim(Text::FromRaw(std::u32string_view(all).substr(start, i - start)));
    lines.push_back(std::move(line));
    // CRLF is one line break.
    if (!end && all[i] == U'\r' && i + 1 < all.size() && all[i + 1] == U'\n') {
      ++i;
    }
    start = i + 1;
  }
  // A final line break does not start another line.
  if (!lines.empty() && lines.back().text.empty() && !all.empty() &&
      (all.back() == U'\n' || all.back() == U'\r')) {
    lines.pop_back();
  }
  return lines;
}

// ---------------------------------------------------------------------------
// Headings: 一、 (level 0), （一） (1), 1. / 1、 (2), （1） (3), ① (4).

enum : int {
  kLevelChinese = 0,
  kLevelParenChinese = 1,
  kLevelArabic = 2,
  kLevelParenArabic = 3,
  kLevelCircled = 4,
};

struct Heading {
  int level = -1;
  int value = 0;
  std::size_t text_begin = 0;  // index of the text after the number
  std::u32string printed;  // the number as printed: "三", "（一）", "19"
  std::u32string label;    // the numeral alone: "三", "一", "19"
};

std::optional<Heading> ParseHeading(const Text& t) {
  const std::u32string& s = t.norm;
  const std::size_t n = s.size();
  if (n == 0) return std::nullopt;
  Heading h;
  if (s[0] == U'(') {
    std::size_t j = 1;
    while (j < n && j < 4 && IsChineseNumeralChar(s[j])) ++j;
    if (j > 1 && j < n && s[j] == U')') {
      int v = ChineseNumberValue(std::u32string_view(s).substr(1, j - 1));
      if (v <= 0) return std::nullopt;
      h.level = kLevelParenChinese;
      h.value = v;
      h.label = t.raw.substr(1, j - 1);
    } else {
      j = 1;
      while (j < n && j < 4 && IsDigit(s[j])) ++j;
      if (j == 1 || j >= n || s[j] != U')') return std::nullopt;
      h.level = kLevelParenArabic;
      h.value = std::stoi(EncodeUtf8(std::u32string_view(s).substr(1, j - 1)));
      h.label = t.raw.substr(1, j - 1);
    }
    h.printed = t.raw.substr(0, j + 1);
    std::size_t k = SkipSpaces(s, j + 1);
    if (k < n && (s[k] == U'、' || s[k] == U'.')) k = SkipSpaces(s, k + 1);
    h.text_begin = k;
    return h;
  }
  if (s[0] >= 0x2460 && s[0] <= 0x2473) {  // ① … ⑳
    h.level = kLevelCircled;
    h.value = static_cast<int>(s[0] - 0x2460) + 1;
    h.printed = h.label = t.raw.substr(0, 1);
    h.text_begin = SkipSpaces(s, 1);
    return h;
  }
  if (IsChineseNumeralChar(s[0])) {
    std::size_t j = 0;
    while (j < n && j < 3 && IsChineseNumeralChar(s[j])) ++j;
    if (j >= n || (s[j] != U'、' && s[j] != U'.')) return std::nullopt;
    if (j + 1 < n && IsDigit(s[j + 1])) return std::nullopt;
    int v = ChineseNumberValue(std::u32string_view(s).substr(0, j));
    if (v <= 0) return std::nullopt;
    h.level = kLevelChinese;
    h.value = v;
    h.printed = h.label = t.raw.substr(0, j);
    h.text_begin = SkipSpaces(s, j + 1);
    return h;
  }
  if (IsDigit(s[0])) {
    std::size_t j = 0;
    while (j < n && IsDigit(s[j])) ++j;
    if (j > 3) return std::nullopt;
    std::size_t k = SkipSpaces(s, j);
    if (k >= n) return std::nullopt;
    bool paren = s[k] == U')';
    if (s[k] != U'.' && s[k] != U'、' && !paren) return std::nullopt;
    // 2.0, 3.5 万: a decimal, not a number heading.
    std::size_t after = k + 1;
    if (after < n &&
        (IsDigit(s[after]) || s[after] == U'.' || s[after] == U'%')) {
      return std::nullopt;
    }
    std::size_t a = SkipSpaces(s, after);
    if (a < n && IsDigit(s[a]) && !paren) {
      // "1. 5 万人" is a decimal broken by a space, not item 1.
      std::size_t b = a;
      while (b < n && IsDigit(s[b])) ++b;
      b = SkipSpaces(s, b);
      if (b < n && (s[b] == U'万' || s[b] == U'%')) return std::nullopt;
    }
    h.level = paren ? kLevelParenArabic : kLevelArabic;
    h.value = std::stoi(EncodeUtf8(std::u32string_view(s).substr(0, j)));
    if (h.value <= 0) return std::nullopt;
    h.printed = h.label = t.raw.substr(0, j);
    h.text_begin = a;
    return h;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Vocabulary of the header and of the closing paragraph.

constexpr std::u32string_view kAuthoritySuffixes[] = {
    U"厅", U"局", U"委员会", U"委",   U"政府", U"办公室", U"办公厅",
    U"办", U"部", U"院",     U"中心", U"党组", U"会",     U"处",
    U"署", U"司", U"校",     U"大学", U"学院", U"集团",   U"公司",
    U"室", U"站", U"所",     U"组",   U"科",   U"股",
};

bool IsAuthorityName(std::u32string_view name) {
  if (name.size() < 3 || name.size() > 30) return false;
  for (char32_t c : name) {
    if (IsDigit(c) || c == U',' || c == U'。' || c == U':' || c == U';' ||
        c == U'、' || c == U'《' || c == U'“') {
      return false;
    }
  }
  for (std::u32string_view s : kAuthoritySuffixes) {
    if (name.size() >= s.size() && name.substr(name.size() - s.size()) == s) {
      return true;
    }
  }
  return false;
}

// A line of one or more authority names separated by spaces.
std::optional<std::vector<Text>> AuthorityNames(const Text& t) {
  std::vector<Text> names = SplitOutsideBrackets(t, U" \t");
  if (names.empty() || names.size() > 6) return std::nullopt;
  for (const Text& n : names) {
    if (!IsAuthorityName(n.norm)) return std::nullopt;
  }
  return names;
}

constexpr std::u32string_view kTitleWords[] = {
    U"工作要点", U"要点",     U"工作计划", U"计划",     U"实施方案", U"方案",
    U"工作安排", U"任务分解", U"责任分解", U"任务清单", U"重点工作",
};

bool IsPlanTitleLine(const Text& t) {
  if (t.size() > 80 || t.Contains(U"通知") || t.EndsWith(U":")) return false;
  for (char32_t c : t.norm) {
    if (c == U',' || c == U'。' || c == U';' || c == U'《') return false;
  }
  for (std::u32string_view w : {U"现将", U"为", U"根据", U"按照", U"请"}) {
    if (t.StartsWith(w)) return false;
  }
  for (std::u32string_view w : kTitleWords) {
    if (t.Contains(w)) return true;
  }
  return false;
}

bool IsNoticeTitleStart(const Text& t) {
  if (t.StartsWith(U"现将") || t.EndsWith(U":")) return false;
  return t.StartsWith(U"关于") || t.Contains(U"印发") || t.Contains(U"转发") ||
         t.Contains(U"下发");
}

bool IsGeneralStart(const Text& t) {
  for (std::u32string_view w :
       {U"在完成上述", U"在做好上述", U"在抓好上述", U"在推进上述",
        U"在落实上述", U"除上述", U"除以上", U"除完成上述", U"除做好上述"}) {
    if (t.StartsWith(w)) return true;
  }
  return false;
}

bool IsFooterLine(const Text& t) {
  if (t.StartsWith(U"抄送") || t.StartsWith(U"主题词") ||
      t.StartsWith(U"抄报")) {
    return true;
  }
  // 益阳市教育局办公室 2020年3月30日印发
  return t.EndsWith(U"印发") && t.Contains(U"年") && t.Contains(U"月");
}

bool IsGeneralRequirementsTitle(const Text& t) {
  for (std::u32string_view w :
       {U"总体要求", U"指导思想", U"总体思路", U"工作思路", U"基本原则",
        U"总体目标", U"主要目标", U"目标要求"}) {
    if (t.Contains(w)) return true;
  }
  return false;
}

// A document number (益教发〔2020〕2号) starting at `i` of `t` (its prefix
// of Han characters first). Returns the normalised form and where it ends.
std::optional<std::pair<std::string, std::size_t>> DocNumberAt(const Text& t,
                                                               std::size_t i) {
  const std::u32string& s = t.norm;
  std::size_t p = i;
  while (p < s.size() && IsHan(s[p]) && p - i < 12) ++p;
  if (p == i) return std::nullopt;
  std::size_t b = SkipSpaces(s, p);
  if (b >= s.size()) return std::nullopt;
  char32_t open = s[b];
  if (open != U'〔' && open != U'[' && open != U'(' && open != U'【' &&
      open != U'〖') {
    return std::nullopt;
  }
  std::size_t y = SkipSpaces(s, b + 1);
  std::size_t ye = y;
  while (ye < s.size() && IsDigit(s[ye])) ++ye;
  if (ye - y != 4) return std::nullopt;
  std::size_t c = SkipSpaces(s, ye);
  if (c >= s.size() || (s[c] != U'〕' && s[c] != U']' && s[c] != U')' &&
                        s[c] != U'】' && s[c] != U'〗')) {
    return std::nullopt;
  }
  std::size_t d = SkipSpaces(s, c + 1);
  std::size_t de = d;
  while (de < s.size() && IsDigit(s[de])) ++de;
  if (de == d || de - d > 5) return std::nullopt;
  std::size_t h = SkipSpaces(s, de);
  if (h >= s.size() || s[h] != U'号') return std::nullopt;
  std::string out = EncodeUtf8(std::u32string_view(t.raw).substr(i, p - i));
  absl::StrAppend(&out, "〔",
                  EncodeUtf8(std::u32string_view(s).substr(y, ye - y)), "〕",
                  EncodeUtf8(std::u32string_view(s).substr(d, de - d)));
  AppendUtf8(t.raw[h], &out);
  return std::make_pair(out, h + 1);
}

// The document's own number on a header line: the line starts with it, or
// with the masthead (…文件) and then the number. Numbers quoted in prose are
// never on such a line.
std::optional<std::string> HeaderDocNumber(const Text& t) {
  if (t.Contains(U"《") || t.Contains(U"根据") || t.Contains(U"按照") ||
      t.Contains(U"印发") || t.Contains(U"通知")) {
    return std::nullopt;
  }
  if (auto m = DocNumberAt(t, 0); m.has_value()) return m->first;
  std::size_t f = t.Find(U"文件");
  if (f != kNpos) {
    std::size_t i = SkipSpaces(t.norm, f + 2);
    if (auto m = DocNumberAt(t, i); m.has_value()) return m->first;
  }
  return std::nullopt;
}

int FindYear(const Text& t) {
  const std::u32string& s = t.norm;
  for (std::size_t i = 0; i + 4 <= s.size(); ++i) {
    if (!IsDigit(s[i]) || (i > 0 && IsDigit(s[i - 1]))) continue;
    std::size_t j = i;
    while (j < s.size() && IsDigit(s[j])) ++j;
    if (j - i != 4) {
      i = j;
      continue;
    }
    std::size_t k = SkipSpaces(s, j);
    if (k < s.size() && s[k] == U'年') {
      int y = std::stoi(EncodeUtf8(std::u32string_view(s).substr(i, 4)));
      if (y >= 1900 && y < 2200) return y;
    }
    i = j;
  }
  return 0;
}

std::string Snippet(const Text& t) {
  constexpr std::size_t kMax = 24;
  if (t.size() <= kMax) return t.Utf8();
  return absl::StrCat(EncodeUtf8(std::u32string_view(t.raw).substr(0, kMax)),
                      "…");
}

// ---------------------------------------------------------------------------
// Paragraphs and items under construction.

enum class ParaKind { kHeading, kLabel, kGeneral, kFooter, kText };

struct Paragraph {
  ParaKind kind = ParaKind::kText;
  Text text;
  std::vector<int> lines;  // every source line joined into it
  Heading heading;
  FieldLabel label{FieldKind::kNote, 0, 0};
  bool pure_heading = false;  // a heading with no sentence after it
  int first_line() const { return lines.front(); }
};

enum class PartKind {
  kHeading,  // the text after the number (table: the task cell)
  kBody,     // an unlabelled paragraph
  kField,    // a labelled paragraph or a table column
};

struct Part {
  PartKind kind = PartKind::kBody;
  FieldKind field = FieldKind::kNote;  // for kField, and what a kBody continues
  bool continues_field = false;        // a kBody paragraph after a label
  Text label;                          // printed label with its colon
  Text content;
};

struct RawItem {
  Item::Kind kind = Item::NUMBERED;
  Heading heading;
  int section = -1;  // index into sections_
  int line = 0;
  std::vector<Part> parts;
  bool closed = false;      // its units have been read; later text is not its
  bool from_table = false;  // a row of a task-decomposition table
};

std::size_t FindInlineUnits(const Text& t);

// Whether the paragraph's text ends a sentence: 。 ; ! ? (before closing
// quotes), or a parenthesis that lists units.
bool EndsSentence(const Text& t) {
  std::size_t e = t.norm.size();
  while (e > 0 && IsSpace(t.norm[e - 1])) --e;
  if (e == 0) return false;
  char32_t last = t.norm[e - 1];
  if (last == U')') {
    std::size_t open = MatchingOpen(t.norm, e - 1);
    return open != kNpos && LooksLikeUnitText(t.Sub(open + 1, e - open - 2));
  }
  while (e > 0 && (t.norm[e - 1] == U'”' || t.norm[e - 1] == U'’' ||
                   t.norm[e - 1] == U'」' || t.norm[e - 1] == U'』')) {
    --e;
  }
  if (e > 0 && IsSentenceEnd(t.norm, e - 1)) return true;
  // "…。责任单位：组宣科、机关党委" ends with its unit list, unless the last
  // name is cut short by a line break (…、办公 / 室).
  std::size_t at = FindInlineUnits(t);
  if (at == kNpos) return false;
  UnitListBuilder names;
  names.Add(t.Sub(LabelAt(t, at)->content_begin), UnitRoleHint::kDefault);
  return !names.empty() && names.AllNamesLookLikeUnits();
}

bool HasSentenceEnd(const Text& t) {
  for (std::size_t i = 0; i < t.norm.size(); ++i) {
    if (IsSentenceEnd(t.norm, i)) return true;
  }
  return false;
}

// Trailing parentheses of an item's text that hold its units (组宣部、秘书科)
// or its labelled time limit (完成时限：6月底前).
struct TrailingParens {
  std::size_t cut = kNpos;  // where the text ends without them
  std::vector<Text> units;
  std::vector<Text> deadlines;
};

TrailingParens FindTrailingParens(const Text& t) {
  TrailingParens out;
  std::size_t e = t.norm.size();
  for (int round = 0; round < 3; ++round) {
    while (e > 0 && (IsSpace(t.norm[e - 1]) || t.norm[e - 1] == U'。' ||
                     t.norm[e - 1] == U'.' || t.norm[e - 1] == U';')) {
      --e;
    }
    if (e == 0 || t.norm[e - 1] != U')') break;
    std::size_t open = MatchingOpen(t.norm, e - 1);
    if (open == kNpos) break;
    Text content = t.Sub(open + 1, e - open - 2);
    std::optional<FieldLabel> label = LabelAt(content, 0);
    if (label.has_value() && label->kind == FieldKind::kDeadline) {
      out.deadlines.insert(out.deadlines.begin(),
                           Trim(content.Sub(label->content_begin)));
    } else if (LooksLikeUnitText(content)) {
      out.units.insert(out.units.begin(), content);
    } else {
      break;
    }
    out.cut = open;
    e = open;
  }
  if (out.units.empty()) return TrailingParens();
  return out;
}

// Units labelled inline after the item's last sentence: "…开展整治。责任单位：
// 组宣科、机关党委" or "…。牵头单位：基教科；配合单位：计财科。". Returns where
// the label starts, or kNpos.
std::size_t FindInlineUnits(const Text& t) {
  for (std::size_t i = 1; i < t.norm.size(); ++i) {
    if (!IsSentenceEnd(t.norm, i - 1) && !IsSpace(t.norm[i - 1])) continue;
    std::optional<FieldLabel> label = LabelAt(t, i);
    if (!label.has_value() || !IsUnitField(label->kind)) continue;
    if (LooksLikeUnitText(t.Sub(i))) return i;
  }
  return kNpos;
}

// Whether a paragraph ends with its item's units, either way.
bool EndsWithUnits(const Text& t) {
  return !FindTrailingParens(t).units.empty() || FindInlineUnits(t) != kNpos;
}

Text JoinTexts(const std::vector<Text>& parts, std::u32string_view sep) {
  Text out;
  for (const Text& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out.AppendRaw(sep);
    out.Append(p);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tables pasted as text.

struct TableLayout {
  char32_t separator = 0;  // '|' or '\t'; 0 when every cell has its own line
  std::vector<std::optional<FieldKind>> columns;
  std::vector<Text> column_names;
  std::size_t first_row_line = 0;  // index of the line after the header
};

std::vector<Text> SplitCells(const Text& t, char32_t sep) {
  std::vector<Text> cells;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= t.norm.size(); ++i) {
    if (i < t.norm.size() && t.norm[i] != sep) continue;
    cells.push_back(Trim(t.Sub(start, i - start)));
    start = i + 1;
  }
  // "| a | b |": the outer separators frame the row.
  if (!cells.empty() && cells.front().empty() &&
      t.StartsWith(std::u32string(1, sep))) {
    cells.erase(cells.begin());
  }
  if (!cells.empty() && cells.back().empty() &&
      t.EndsWith(std::u32string(1, sep)) &&
      t.StartsWith(std::u32string(1, sep))) {
    cells.pop_back();
  }
  return cells;
}

bool IsTaskColumn(FieldKind k) {
  return k == FieldKind::kTask || k == FieldKind::kTarget ||
         k == FieldKind::kMeasures;
}

bool AcceptableHeader(const std::vector<std::optional<FieldKind>>& columns) {
  int known = 0;
  bool task = false;
  bool anchor = false;
  for (const auto& c : columns) {
    if (!c.has_value()) continue;
    ++known;
    if (IsTaskColumn(*c)) task = true;
    if (*c == FieldKind::kNumber || IsUnitField(*c)) anchor = true;
  }
  return known >= 3 && task && anchor;
}

// ---------------------------------------------------------------------------
// The parser.

class DocumentParser {
 public:
  DocumentParser(std::vector<Line> lines, const ImportOptions& options)
      : lines_(std::move(lines)),
        used_(lines_.size(), false),
        options_(options) {}

  absl::StatusOr<ParsedPlan> Parse();

 private:
  // Stages.
  std::optional<TableLayout> TableHeaderAt(std::size_t i) const;
  std::size_t FindBodyStart(std::optional<TableLayout>* table) const;
  void ParseHeader(std::size_t end);
  void DetectOutline(std::size_t begin, std::size_t end);
  void ParseBody(std::size_t begin, std::size_t end);
  void ParseTable(const TableLayout& layout);
  ParsedPlan Finish();

  // Body: lines to paragraphs.
  bool IsStructural(const Text& t, Heading* heading, ParaKind* kind,
                    bool commit);
  bool ContinuationAllowed(const Paragraph& p, const Line& next) const;
  void Process(Paragraph p);

  // Outline.
  bool PlausibleSection(int depth, int value) const;
  bool PlausibleItem(int value) const;
  void StartSection(int depth, const Heading& h, const Text& title, int line);
  void StartItem(const Paragraph& p);
  void StartGeneral(const Paragraph& p);
  void AddLabel(const Paragraph& p);
  void AddText(const Paragraph& p);
  void FinishItem();
  void FlushLoose();
  void GeneralFromLoose();
  bool TakeClosingLine(const Paragraph& p);

  // Output.
  void BuildItem(const RawItem& raw, Item* item);
  void AssignIds(std::vector<Item>* items);
  void Warn(int line, absl::string_view code, std::string message);
  void Use(const Paragraph& p);
  void Use(int line_number) { used_[line_number - 1] = true; }
  int CurrentSection() const {
    return current_sub_ >= 0 ? current_sub_ : current_top_;
  }

  std::vector<Line> lines_;
  std::vector<bool> used_;
  const ImportOptions& options_;

  // Header.
  Plan plan_;
  std::vector<std::string> masthead_authorities_;
  std::vector<std::string> signature_authorities_;
  std::vector<Text> general_requirements_;
  std::optional<Text> notice_title_;
  bool have_issue_date_ = false;

  // Outline of the body.
  std::vector<int> section_levels_;  // heading levels used for sections
  int item_level_ = -1;
  bool inline_style_ = false;  // items print their body on the heading line
  int wrap_width_ = 0;         // >0 when the text is hard-wrapped
  int last_top_ = 0;
  int last_sub_ = 0;
  bool sub_reset_ = true;
  int last_item_ = 0;
  bool section_since_item_ = true;
  bool any_item_ = false;
  int current_top_ = -1;
  int current_sub_ = -1;
  int top_count_ = 0;
  std::map<int, int> sub_counts_;

  struct SectionInfo {
    Section proto;
    bool general_requirements = false;
  };
  std::vector<SectionInfo> sections_;
  std::vector<RawItem> raw_items_;
  std::optional<RawItem> current_;
  std::vector<Paragraph> loose_;

  std::vector<ImportWarning> warnings_;
  std::set<int> warned_lines_;
};

void DocumentParser::Warn(int line, absl::string_view code,
                          std::string message) {
  ImportWarning w;
  w.set_line(line);
  w.set_code(std::string(code));
  w.set_message(std::move(message));
  warnings_.push_back(std::move(w));
  warned_lines_.insert(line);
}

void DocumentParser::Use(const Paragraph& p) {
  for (int l : p.lines) Use(l);
}

std::optional<TableLayout> DocumentParser::TableHeaderAt(std::size_t i) const {
  const Text& t = lines_[i].text;
  if (t.empty()) return std::nullopt;
  for (char32_t sep : {U'|', U'\t'}) {
    if (std::count(t.norm.begin(), t.norm.end(), sep) < 2) continue;
    TableLayout layout;
    layout.separator = sep;
    for (const Text& cell : SplitCells(t, sep)) {
      layout.columns.push_back(ColumnKind(cell.norm, /*exact=*/false));
      layout.column_names.push_back(cell);
    }
    if (!AcceptableHeader(layout.columns)) return std::nullopt;
    layout.first_row_line = i + 1;
    return layout;
  }
  // One cell per line: a run of lines that are column names and nothing else.
  if (!ColumnKind(t.norm, /*exact=*/true).has_value()) return std::nullopt;
  TableLayout layout;
  std::size_t j = i;
  for (; j < lines_.size(); ++j) {
    const Text& c = lines_[j].text;
    if (c.empty()) continue;
    std::optional<FieldKind> kind = ColumnKind(c.norm, /*exact=*/true);
    if (!kind.has_value()) break;
    layout.columns.push_back(kind);
    layout.column_names.push_back(c);
  }
  if (!AcceptableHeader(layout.columns)) return std::nullopt;
  layout.first_row_line = j;
  return layout;
}

std::size_t DocumentParser::FindBodyStart(
    std::optional<TableLayout>* table) const {
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    const Text& t = lines_[i].text;
    if (t.empty()) continue;
    if (auto layout = TableHeaderAt(i); layout.has_value()) {
      *table = layout;
      return i;
    }
    std::optional<Heading> h = ParseHeading(t);
    if (h.has_value() && h->value == 1 && h->level <= kLevelParenArabic &&
        h->text_begin < t.size()) {
      return i;
    }
  }
  return lines_.size();
}

// The header: masthead, document number, notice, recipients, signatures,
// issue date, plan title, and the general requirements before the first
// section. Read in order, each line by what it looks like and where it is.
void DocumentParser::ParseHeader(std::size_t end) {
  bool seen_notice = false;
  bool seen_recipients = false;
  bool seen_notice_body = false;
  bool seen_date = false;
  bool seen_title = false;
  std::optional<Text> pending_prefix;  // an authority line just before
  std::vector<Text> title_prefix_names;
  Text title;
  std::vector<Paragraph> preamble;

  for (std::size_t i = 0; i < end; ++i) {
    const Line& line = lines_[i];
    const Text& t = line.text;
    if (t.empty()) continue;
    std::optional<Text> prefix = std::move(pending_prefix);
    pending_prefix.reset();

    if (seen_title) {
      // The preamble: everything between the title and the first section,
      // rejoined across page breaks.
      if (!preamble.empty() && !EndsSentence(preamble.back().text)) {
        preamble.back().text.Append(t);
        preamble.back().lines.push_back(line.number);
      } else {
        Paragraph p;
        p.text = t;
        p.lines.push_back(line.number);
        preamble.push_back(std::move(p));
      }
      Use(line.number);
      continue;
    }
    if (!seen_notice && !seen_recipients && plan_.document_number().empty()) {
      if (std::optional<std::string> number = HeaderDocNumber(t)) {
        plan_.set_document_number(*number);
        Use(line.number);
        std::size_t f = t.Find(U"文件");
        if (f != kNpos && f > 0) {
          if (auto names = AuthorityNames(Trim(t.Sub(0, f)))) {
            for (const Text& n : *names)
              masthead_authorities_.push_back(n.Utf8());
          }
        }
        continue;
      }
    }
    if (!seen_notice && t.EndsWith(U"文件") && t.size() <= 60) {
      Text names = Trim(t.Sub(0, t.size() - 2));
      if (auto list = AuthorityNames(names)) {
        for (const Text& n : *list) masthead_authorities_.push_back(n.Utf8());
      } else {
        masthead_authorities_.push_back(names.Utf8());
      }
      Use(line.number);
      continue;
    }
    if (!seen_notice && IsNoticeTitleStart(t)) {
      Text notice = t;
      Use(line.number);
      // A long notice title may run over two or three lines.
      std::size_t j = i;
      while (!notice.EndsWith(U"通知") && j + 1 < end) {
        std::size_t k = j + 1;
        while (k < end && lines_[k].text.empty()) ++k;
        if (k >= end || k - i > 6 || lines_[k].text.size() > 60) break;
        notice.Append(lines_[k].text);
        Use(lines_[k].number);
        j = k;
      }
      if (notice.EndsWith(U"通知") || notice.Contains(U"通知")) {
        notice_title_ = notice;
        seen_notice = true;
        i = j;
        continue;
      }
      // Not a notice after all: undo and read the line as anything else.
      for (std::size_t k = i; k <= j; ++k) used_[k] = false;
    }
    if (std::optional<duban::type::v1::Date> date = ParseDateLine(t)) {
      if (!have_issue_date_) {
        *plan_.mutable_issue_date() = *date;
        have_issue_date_ = true;
      }
      seen_date = true;
      Use(line.number);
      continue;
    }
    if (IsPlanTitleLine(t)) {
      title = t;
      // A title split over two lines, the authorities first: 益阳市教育局 中共
      // 益阳市委教育工委 / 2020 年工作要点.
      if (prefix.has_value() &&
          (IsDigit(t.norm[0]) || t.StartsWith(U"年") ||
           !AuthorityNames(Trim(t.Sub(0, std::min<std::size_t>(t.size(), 3))))
                .has_value())) {
        Text joined = *prefix;
        char32_t last = prefix->norm.back();
        if (IsHan(last) && (IsDigit(t.norm[0]) || IsHan(t.norm[0])) &&
            AuthorityNames(*prefix).has_value()) {
          joined.AppendRaw(U" ");
        }
        joined.Append(t);
        title = joined;
        if (auto names = AuthorityNames(*prefix)) title_prefix_names = *names;
      }
      seen_title = true;
      Use(line.number);
      continue;
    }
    if (auto names = AuthorityNames(t)) {
      Use(line.number);
      if (seen_notice && !seen_date) {
        for (const Text& n : *names) signature_authorities_.push_back(n.Utf8());
      } else {
        if (!seen_notice && !seen_date) {
          for (const Text& n : *names)
            masthead_authorities_.push_back(n.Utf8());
        }
        pending_prefix = t;
      }
      continue;
    }
    if (seen_notice && !seen_recipients && !seen_notice_body &&
        t.EndsWith(U":")) {
      Text r = t.Sub(0, t.size() - 1);
      if (r.StartsWith(U"主送")) r = Trim(r.Sub(2));
      if (r.StartsWith(U":")) r = Trim(r.Sub(1));
      for (const Text& name : SplitOutsideBrackets(r, U"、,;")) {
        plan_.add_recipients(name.Utf8());
      }
      seen_recipients = true;
      Use(line.number);
      continue;
    }
    if (seen_notice && !seen_date) {
      // The notice's own text (现将…印发给你们): read, nothing to keep.
      seen_notice_body = true;
      Use(line.number);
      continue;
    }
    if (t.Contains(U"总体要求") || t.Contains(U"指导思想")) {
      Paragraph p;
      p.text = t;
      p.lines.push_back(line.number);
      preamble.push_back(std::move(p));
      Use(line.number);
      continue;
    }
    if (t.StartsWith(U"附件")) {
      Use(line.number);
      continue;
    }
  }

  for (Paragraph& p : preamble) general_requirements_.push_back(p.text);
  if (notice_title_.has_value()) plan_.set_notice_title(notice_title_->Utf8());
  if (title.empty() && notice_title_.has_value()) {
    // No title line: the notice names the plan in 《》.
    std::size_t open = notice_title_->Find(U"《");
    std::size_t close = notice_title_->Find(U"》");
    if (open != kNpos && close != kNpos && close > open) {
      title = notice_title_->Sub(open + 1, close - open - 1);
    }
  }
  plan_.set_title(title.Utf8());

  // Issuing authorities: the signatures, else the masthead, else the names
  // the title starts with.
  std::vector<std::string> authorities = signature_authorities_;
  if (authorities.empty()) authorities = masthead_authorities_;
  if (authorities.empty()) {
    for (const Text& n : title_prefix_names) authorities.push_back(n.Utf8());
  }
  if (authorities.empty() && !title.empty()) {
    // 湖南省教育厅 中共湖南省委教育工委 2020 年工作要点: the names before the
    // year.
    std::size_t digit = 0;
    while (digit < title.size() && !IsDigit(title.norm[digit])) ++digit;
    for (const Text& token :
         SplitOutsideBrackets(title.Sub(0, digit), U" \t")) {
      if (!IsAuthorityName(token.norm)) break;
      authorities.push_back(token.Utf8());
    }
  }
  std::set<std::string> seen;
  for (const std::string& a : authorities) {
    if (seen.insert(a).second) plan_.add_issuing_authorities(a);
  }
  if (plan_.issuing_authorities_size() > 0) {
    plan_.set_organization(plan_.issuing_authorities(0));
  }

  int year = FindYear(title);
  if (year == 0 && notice_title_.has_value()) year = FindYear(*notice_title_);
  if (year == 0 && have_issue_date_) year = plan_.issue_date().year();
  if (year == 0) year = options_.default_year;
  plan_.set_year(year);
}

void DocumentParser::DetectOutline(std::size_t begin, std::size_t end) {
  int counts[5] = {0, 0, 0, 0, 0};
  std::vector<int> sequence;  // levels 0..3 in printed order
  std::vector<std::size_t> where;
  int inline_items = 0;
  int pure_items = 0;
  std::map<int, int> widths;
  int long_lines = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const Text& t = lines_[i].text;
    if (t.empty()) continue;
    int w = DisplayWidth(t.raw);
    if (w >= 30) {
      ++widths[w];
      ++long_lines;
    }
    std::optional<Heading> h = ParseHeading(t);
    if (!h.has_value()) continue;
    ++counts[h->level];
    if (h->level <= kLevelParenArabic) {
      sequence.push_back(h->level);
      where.push_back(i);
    }
  }
  bool has_a = counts[kLevelChinese] > 0;
  bool has_b = counts[kLevelParenChinese] > 0;
  int item_candidate = counts[kLevelArabic] > 0        ? kLevelArabic
                       : counts[kLevelParenArabic] > 0 ? kLevelParenArabic
                                                       : -1;
  // （一） is a section level when its headings are followed by items.
  bool b_is_section = false;
  if (has_b && item_candidate >= 0) {
    int followed_by_item = 0;
    for (std::size_t k = 0; k < sequence.size(); ++k) {
      if (sequence[k] != kLevelParenChinese) continue;
      for (std::size_t m = k + 1; m < sequence.size(); ++m) {
        if (sequence[m] == kLevelChinese || sequence[m] == kLevelParenChinese ||
            sequence[m] == item_candidate) {
          if (sequence[m] == item_candidate) ++followed_by_item;
          break;
        }
      }
    }
    b_is_section = followed_by_item * 2 >= counts[kLevelParenChinese];
  }
  std::vector<int> levels;
  if (has_a) levels.push_back(kLevelChinese);
  if (has_b && (item_candidate < 0 || b_is_section)) {
    levels.push_back(kLevelParenChinese);
  }
  if (item_candidate >= 0) levels.push_back(item_candidate);
  if (levels.empty()) return;
  item_level_ = levels.back();
  levels.pop_back();
  section_levels_ = levels;
  if (section_levels_.size() > 2) section_levels_.resize(2);

  for (std::size_t i = begin; i < end; ++i) {
    const Text& t = lines_[i].text;
    std::optional<Heading> h = ParseHeading(t);
    if (!h.has_value() || h->level != item_level_) continue;
    Text rest = t.Sub(h->text_begin);
    std::size_t stop = FindFirstFullStop(rest.norm);
    if (stop != kNpos && stop + 1 < rest.size()) {
      ++inline_items;
    } else {
      ++pure_items;
    }
  }
  inline_style_ = inline_items > pure_items;

  // Hard-wrapped text: many lines of (nearly) the same width.
  int best = 0;
  int best_width = 0;
  for (const auto& [w, c] : widths) {
    int around = c + (widths.count(w - 1) ? widths.at(w - 1) : 0);
    if (around > best) {
      best = around;
      best_width = w;
    }
  }
  if (best >= 5 && best * 10 >= long_lines * 3) wrap_width_ = best_width;
}

bool DocumentParser::PlausibleSection(int depth, int value) const {
  int last = depth == 0 ? last_top_ : last_sub_;
  bool fresh = depth == 0 ? last_top_ == 0 : sub_reset_;
  if (fresh && value <= 3) return true;
  return value >= last && value <= last + 3 && last > 0;
}

bool DocumentParser::PlausibleItem(int value) const {
  if (!any_item_) return value <= 5;
  if (value == last_item_ + 1) return true;
  if (section_since_item_ && value == 1) return true;
  return value >= last_item_ && value <= last_item_ + 5;
}

// Whether `t` starts a new element of the outline (a plausible heading, a
// label, the closing paragraph, a footer) and so cannot continue the text
// before it. With `commit`, an accepted heading advances the numbering.
bool DocumentParser::IsStructural(const Text& t, Heading* heading,
                                  ParaKind* kind, bool commit) {
  std::optional<Heading> h = ParseHeading(t);
  if (h.has_value() && h->level >= 0) {
    int depth = -1;
    for (std::size_t d = 0; d < section_levels_.size(); ++d) {
      if (section_levels_[d] == h->level) depth = static_cast<int>(d);
    }
    if (depth >= 0 && PlausibleSection(depth, h->value)) {
      *heading = *h;
      *kind = ParaKind::kHeading;
      if (commit) {
        if (depth == 0) {
          last_top_ = h->value;
          sub_reset_ = true;
        } else {
          last_sub_ = h->value;
          sub_reset_ = false;
        }
        section_since_item_ = true;
      }
      return true;
    }
    if (h->level == item_level_ && PlausibleItem(h->value)) {
      *heading = *h;
      *kind = ParaKind::kHeading;
      if (commit) {
        last_item_ = h->value;
        any_item_ = true;
        section_since_item_ = false;
      }
      return true;
    }
    if (h->level > item_level_ && item_level_ >= 0) {
      // Sub-points (（1）, ①) inside an item start their own paragraph.
      *kind = ParaKind::kText;
      return true;
    }
  }
  if (LabelAt(t, 0).has_value()) {
    *kind = ParaKind::kLabel;
    return true;
  }
  if (IsGeneralStart(t)) {
    *kind = ParaKind::kGeneral;
    return true;
  }
  if (IsFooterLine(t)) {
    *kind = ParaKind::kFooter;
    return true;
  }
  if (ParseDateLine(t).has_value()) {
    *kind = ParaKind::kText;  // a date under signatures stands alone
    return true;
  }
  return false;
}

bool DocumentParser::ContinuationAllowed(const Paragraph& p,
                                         const Line& next) const {
  const Text& n = next.text;
  // Signature lines (authority names) stand alone.
  if (p.lines.size() == 1 && p.kind == ParaKind::kText &&
      AuthorityNames(p.text).has_value()) {
    return false;
  }
  if (p.kind == ParaKind::kLabel &&
      (IsUnitField(p.label.kind) || p.label.kind == FieldKind::kDeadline ||
       p.label.kind == FieldKind::kPerson)) {
    // A unit list goes on only where it visibly does: after a separator, or
    // with more names.
    Text content = Trim(p.text.Sub(p.label.content_begin));
    if (content.empty() || IsListSeparator(content.norm.back())) return true;
    return n.size() <= 40 && LooksLikeUnitText(n);
  }
  if (p.kind == ParaKind::kHeading && p.pure_heading && p.lines.size() == 1) {
    Text rest = Trim(p.text.Sub(p.heading.text_begin));
    if (rest.empty()) return true;
    if (wrap_width_ > 0) return DisplayWidth(p.text.raw) >= wrap_width_ - 2;
    if (inline_style_ && p.heading.level == item_level_) return true;
    // A heading followed by a short fragment that is no sentence of its own
    // was broken in two; one followed by a paragraph was not.
    return !HasSentenceEnd(n) && !EndsSentence(n) && DisplayWidth(n.raw) <= 40;
  }
  return true;
}

void DocumentParser::ParseBody(std::size_t begin, std::size_t end) {
  std::optional<Paragraph> current;
  for (std::size_t i = begin; i < end; ++i) {
    const Line& line = lines_[i];
    if (line.text.empty()) continue;
    Heading heading;
    ParaKind kind = ParaKind::kText;
    // Classify without committing: a continuation must not advance numbers.
    bool structural =
        IsStructural(line.text, &heading, &kind, /*commit=*/false);
    if (current.has_value() && !structural && !EndsSentence(current->text) &&
        ContinuationAllowed(*current, line)) {
      current->text.Append(line.text);
      current->lines.push_back(line.number);
      continue;
    }
    if (current.has_value()) {
      Process(std::move(*current));
      current.reset();
    }
    if (structural) IsStructural(line.text, &heading, &kind, /*commit=*/true);
    Paragraph p;
    p.kind = kind;
    p.text = line.text;
    p.lines.push_back(line.number);
    p.heading = heading;
    if (kind == ParaKind::kLabel) p.label = *LabelAt(line.text, 0);
    if (kind == ParaKind::kHeading) {
      Text rest = line.text.Sub(heading.text_begin);
      p.pure_heading = !HasSentenceEnd(rest) && !EndsSentence(rest);
    }
    current = std::move(p);
  }
  if (current.has_value()) Process(std::move(*current));
  FinishItem();
  FlushLoose();
}

void DocumentParser::Process(Paragraph p) {
  switch (p.kind) {
    case ParaKind::kHeading: {
      Use(p);
      Text rest = Trim(p.text.Sub(p.heading.text_begin));
      if (p.heading.level == item_level_) {
        StartItem(p);
        return;
      }
      int depth = p.heading.level == section_levels_[0] ? 0 : 1;
      // "一、总体要求。2020年…": the title is the first sentence; the rest is
      // text of the section.
      std::size_t stop = FindFirstFullStop(rest.norm);
      Text title = rest;
      Text after;
      if (stop != kNpos && stop + 1 < rest.size()) {
        title = Trim(rest.Sub(0, stop));
        after = Trim(rest.Sub(stop + 1));
      }
      StartSection(depth, p.heading, title, p.first_line());
      if (!after.empty()) {
        Paragraph q;
        q.kind = ParaKind::kText;
        q.text = after;
        q.lines = p.lines;
        AddText(q);
      }
      return;
    }
    case ParaKind::kLabel:
      Use(p);
      AddLabel(p);
      return;
    case ParaKind::kGeneral:
      Use(p);
      StartGeneral(p);
      return;
    case ParaKind::kFooter:
      FinishItem();
      FlushLoose();
      Use(p);
      Warn(p.first_line(), "FOOTER_LINE",
           absl::StrCat("distribution line after the plan, not part of it: ",
                        Snippet(p.text)));
      return;
    case ParaKind::kText:
      AddText(p);
      return;
  }
}

void DocumentParser::StartSection(int depth, const Heading& h,
                                  const Text& title, int line) {
  FinishItem();
  FlushLoose();
  SectionInfo info;
  Section& s = info.proto;
  std::string label = EncodeUtf8(h.label);
  // Compare with the previous label at this depth.
  int previous_value = 0;
  std::string previous_label;
  for (auto it = sections_.rbegin(); it != sections_.rend(); ++it) {
    bool top = it->proto.parent_id().empty();
    if (depth == 0 && !top) continue;
    if (depth == 1 &&
        (top || it->proto.parent_id() != sections_[current_top_].proto.id())) {
      if (top) break;
      continue;
    }
    previous_label = it->proto.label();
    previous_value = ChineseNumberValue(DecodeUtf8(previous_label));
    break;
  }
  if (!previous_label.empty()) {
    if (h.value == previous_value) {
      Warn(line, "REPEATED_SECTION_LABEL",
           absl::StrCat("section label ", label,
                        " repeats the previous section's label; kept as "
                        "printed: ",
                        title.Utf8()));
    } else if (h.value > previous_value + 1) {
      Warn(line, "SKIPPED_SECTION_LABEL",
           absl::StrCat("section label ", label, " follows ", previous_label,
                        "; the labels between are missing"));
    }
  } else if (h.value > 1) {
    Warn(line, "SKIPPED_SECTION_LABEL",
         absl::StrCat("first section is labelled ", label, ", not 一"));
  }
  if (depth == 0 || current_top_ < 0) {
    ++top_count_;
    s.set_id(absl::StrCat(top_count_));
    sections_.push_back(std::move(info));
    current_top_ = static_cast<int>(sections_.size()) - 1;
    current_sub_ = -1;
  } else {
    int n = ++sub_counts_[current_top_];
    s.set_id(absl::StrCat(sections_[current_top_].proto.id(), ".", n));
    s.set_parent_id(sections_[current_top_].proto.id());
    sections_.push_back(std::move(info));
    current_sub_ = static_cast<int>(sections_.size()) - 1;
  }
  SectionInfo& added = sections_.back();
  added.proto.set_label(label);
  added.proto.set_title(title.Utf8());
  added.proto.set_source_line(line);
  added.general_requirements = IsGeneralRequirementsTitle(title);
}

void DocumentParser::StartItem(const Paragraph& p) {
  FinishItem();
  FlushLoose();
  RawItem item;
  item.kind = Item::NUMBERED;
  item.heading = p.heading;
  item.section = CurrentSection();
  item.line = p.first_line();
  Part head;
  head.kind = PartKind::kHeading;
  head.content = Trim(p.text.Sub(p.heading.text_begin));
  item.parts.push_back(head);
  // Body on the heading line ending in its units: the item is complete.
  if (!p.pure_heading && EndsWithUnits(head.content)) item.closed = true;
  // Number checks against the previous numbered item.
  int previous = -1;
  int previous_section = -2;
  for (auto it = raw_items_.rbegin(); it != raw_items_.rend(); ++it) {
    if (it->kind == Item::NUMBERED) {
      previous = it->heading.value;
      previous_section = it->section;
      break;
    }
  }
  const int value = p.heading.value;
  const std::string printed = EncodeUtf8(p.heading.printed);
  if (previous < 0) {
    if (value > 1) {
      Warn(item.line, "ITEM_NUMBER_GAP",
           absl::StrCat("first item is numbered ", printed, ", not 1"));
    }
  } else if (value == previous + 1 ||
             (value == 1 && previous_section != item.section)) {
    // In order, or numbering restarting in a new section.
  } else if (value == previous) {
    Warn(item.line, "ITEM_NUMBER_REPEATED",
         absl::StrCat("item number ", printed,
                      " repeats the previous item's number"));
  } else if (value > previous + 1) {
    Warn(item.line, "ITEM_NUMBER_GAP",
         absl::StrCat("item ", printed, " follows item ", previous,
                      "; the numbers between are missing"));
  } else {
    Warn(item.line, "ITEM_NUMBER_OUT_OF_ORDER",
         absl::StrCat("item ", printed, " comes after item ", previous));
  }
  current_ = std::move(item);
}

void DocumentParser::StartGeneral(const Paragraph& p) {
  FinishItem();
  FlushLoose();
  RawItem item;
  item.kind = Item::GENERAL;
  item.section = -1;
  item.line = p.first_line();
  Part body;
  body.kind = PartKind::kBody;
  body.content = p.text;
  item.parts.push_back(body);
  if (EndsWithUnits(p.text)) item.closed = true;
  current_ = std::move(item);
}

void DocumentParser::AddLabel(const Paragraph& p) {
  Part part;
  part.kind = PartKind::kField;
  part.field = p.label.kind;
  part.label = p.text.Sub(p.label.begin, p.label.content_begin - p.label.begin);
  part.content = Trim(p.text.Sub(p.label.content_begin));
  if (!current_.has_value() && !loose_.empty() && IsUnitField(p.label.kind)) {
    // Loose text followed by its own units: a plan-level duty.
    GeneralFromLoose();
  }
  if (!current_.has_value()) {
    loose_.push_back(p);
    return;
  }
  if (IsUnitField(p.label.kind)) current_->closed = true;
  current_->parts.push_back(std::move(part));
}

void DocumentParser::AddText(const Paragraph& p) {
  if (current_.has_value() && !current_->closed) {
    Part part;
    part.kind = PartKind::kBody;
    part.content = p.text;
    const Part& last = current_->parts.back();
    if (last.kind == PartKind::kField && (last.field == FieldKind::kTarget ||
                                          last.field == FieldKind::kMeasures)) {
      part.continues_field = true;
      part.field = last.field;
    } else if (last.kind == PartKind::kBody && last.continues_field) {
      part.continues_field = true;
      part.field = last.field;
    }
    current_->parts.push_back(std::move(part));
    Use(p);
    if (EndsWithUnits(p.text)) current_->closed = true;
    return;
  }
  FinishItem();
  if (TakeClosingLine(p)) return;
  loose_.push_back(p);
  if (EndsWithUnits(p.text)) GeneralFromLoose();
}

// Signatures and the date printed after the plan instead of before it.
bool DocumentParser::TakeClosingLine(const Paragraph& p) {
  if (p.lines.size() != 1) return false;
  if (std::optional<duban::type::v1::Date> date = ParseDateLine(p.text)) {
    if (!have_issue_date_) {
      *plan_.mutable_issue_date() = *date;
      have_issue_date_ = true;
      if (plan_.year() == 0) plan_.set_year(date->year());
    }
    Use(p);
    return true;
  }
  if (std::optional<std::vector<Text>> names = AuthorityNames(p.text);
      any_item_ && names.has_value()) {
    if (plan_.issuing_authorities_size() == 0) {
      for (const Text& n : *names) {
        plan_.add_issuing_authorities(n.Utf8());
      }
      plan_.set_organization(plan_.issuing_authorities(0));
    }
    Use(p);
    return true;
  }
  return false;
}

void DocumentParser::GeneralFromLoose() {
  RawItem item;
  item.kind = Item::GENERAL;
  item.line = loose_.front().first_line();
  for (Paragraph& q : loose_) {
    Part body;
    body.kind = PartKind::kBody;
    body.content = q.text;
    item.parts.push_back(body);
    Use(q);
  }
  loose_.clear();
  if (EndsWithUnits(item.parts.back().content)) item.closed = true;
  current_ = std::move(item);
}

void DocumentParser::FinishItem() {
  if (!current_.has_value()) return;
  raw_items_.push_back(std::move(*current_));
  current_.reset();
}

void DocumentParser::FlushLoose() {
  if (loose_.empty()) return;
  int section = CurrentSection();
  bool requirements =
      section < 0 ? true : sections_[section].general_requirements;
  for (Paragraph& p : loose_) {
    if (requirements && p.kind == ParaKind::kText) {
      general_requirements_.push_back(p.text);
      Use(p);
      continue;
    }
    Use(p);
    Warn(p.first_line(), "TEXT_OUTSIDE_ITEM",
         absl::StrCat("text that belongs to no item",
                      section >= 0
                          ? absl::StrCat(" (in section ",
                                         sections_[section].proto.label(), ")")
                          : std::string(),
                      ": ", Snippet(p.text)));
  }
  loose_.clear();
}

// ---------------------------------------------------------------------------
// Tables.

void DocumentParser::ParseTable(const TableLayout& layout) {
  const std::size_t ncols = layout.columns.size();
  int number_col = -1;
  int task_col = -1;
  for (std::size_t c = 0; c < ncols; ++c) {
    if (!layout.columns[c].has_value()) continue;
    if (*layout.columns[c] == FieldKind::kNumber && number_col < 0) {
      number_col = static_cast<int>(c);
    }
    if (*layout.columns[c] == FieldKind::kTask && task_col < 0) {
      task_col = static_cast<int>(c);
    }
  }
  if (task_col < 0) {
    for (std::size_t c = 0; c < ncols; ++c) {
      if (layout.columns[c].has_value() && IsTaskColumn(*layout.columns[c])) {
        task_col = static_cast<int>(c);
        break;
      }
    }
  }

  // Turns one row's cells (by column) into an item, or appends them to the
  // previous item when the row has no number of its own.
  auto add_row = [&](const std::vector<Text>& cells,
                     const std::vector<int>& row_lines, bool continuation) {
    if (continuation && current_.has_value()) {
      for (std::size_t c = 0; c < ncols && c < cells.size(); ++c) {
        if (cells[c].empty() || static_cast<int>(c) == number_col) continue;
        bool found = false;
        for (Part& part : current_->parts) {
          bool same =
              static_cast<int>(c) == task_col
                  ? part.kind == PartKind::kHeading
                  : part.kind == PartKind::kField &&
                        part.label.raw == layout.column_names[c].raw + U"：";
          if (!same) continue;
          if (part.kind == PartKind::kField && IsUnitField(part.field) &&
              !part.content.empty() &&
              !IsListSeparator(part.content.norm.back())) {
            part.content.AppendRaw(U"、");
          }
          part.content.Append(cells[c]);
          found = true;
          break;
        }
        if (!found) {
          Part part;
          part.kind = PartKind::kField;
          part.field = layout.columns[c].value_or(FieldKind::kNote);
          part.label = layout.column_names[c];
          part.label.AppendRaw(U"：");
          part.content = cells[c];
          current_->parts.push_back(part);
        }
      }
      for (int l : row_lines) Use(l);
      return;
    }
    FinishItem();
    FlushLoose();
    RawItem item;
    item.kind = Item::NUMBERED;
    item.section = CurrentSection();
    item.line = row_lines.front();
    Text number = number_col >= 0 ? cells[number_col] : Text();
    // 1 / 1. / 1、 / （一）
    Text probe = number;
    if (!probe.empty() && IsDigit(probe.norm.back())) probe.AppendRaw(U".");
    std::optional<Heading> h = ParseHeading(probe);
    if (h.has_value()) {
      item.heading = *h;
    } else {
      item.heading.value = last_item_ + 1;
    }
    last_item_ = item.heading.value;
    any_item_ = true;
    Part head;
    head.kind = PartKind::kHeading;
    head.content = task_col >= 0 ? cells[task_col] : Text();
    item.parts.push_back(head);
    for (std::size_t c = 0; c < ncols; ++c) {
      if (static_cast<int>(c) == number_col ||
          static_cast<int>(c) == task_col || cells[c].empty()) {
        continue;
      }
      Part part;
      part.kind = PartKind::kField;
      part.field = layout.columns[c].value_or(FieldKind::kNote);
      part.label = layout.column_names[c];
      part.label.AppendRaw(U"：");
      part.content = cells[c];
      item.parts.push_back(part);
    }
    item.closed = true;
    item.from_table = true;
    for (int l : row_lines) Use(l);
    current_ = std::move(item);
  };

  // A section in a merged first cell: 一、加强党的建设 (the other cells empty),
  // or 一 | 加强党的建设.
  auto section_row = [&](const std::vector<Text>& cells, int line) {
    std::vector<const Text*> filled;
    for (const Text& c : cells) {
      if (!c.empty()) filled.push_back(&c);
    }
    if (filled.empty()) return false;
    std::optional<Heading> h = ParseHeading(*filled[0]);
    Text title;
    if (h.has_value() &&
        (h->level == kLevelChinese || h->level == kLevelParenChinese) &&
        filled.size() == 1) {
      title = Trim(filled[0]->Sub(h->text_begin));
    } else if (filled.size() == 2 && filled[0]->size() <= 3 &&
               ChineseNumberValue(filled[0]->norm) > 0) {
      h = Heading();
      h->level = kLevelChinese;
      h->value = ChineseNumberValue(filled[0]->norm);
      h->label = h->printed = filled[0]->raw;
      title = *filled[1];
    } else {
      return false;
    }
    int depth = h->level == kLevelChinese ? 0 : 1;
    if (depth == 1 && current_top_ < 0) depth = 0;
    FinishItem();
    StartSection(depth, *h, title, line);
    Use(line);
    return true;
  };

  // Lines that are not rows: sections, labels, the closing paragraph,
  // signatures; anything else continues the last task cell or is loose.
  auto other_line = [&](const Line& line) {
    const Text& t = line.text;
    std::optional<Heading> h = ParseHeading(t);
    if (h.has_value() &&
        (h->level == kLevelChinese || h->level == kLevelParenChinese) &&
        section_row({t}, line.number)) {
      return;
    }
    Paragraph p;
    p.text = t;
    p.lines.push_back(line.number);
    if (std::optional<FieldLabel> label = LabelAt(t, 0)) {
      p.kind = ParaKind::kLabel;
      p.label = *label;
      Use(p);
      if (current_.has_value()) {
        current_->closed = false;  // a table row takes its labelled extras
        AddLabel(p);
      } else {
        AddLabel(p);
      }
      return;
    }
    if (IsGeneralStart(t)) {
      p.kind = ParaKind::kGeneral;
      Use(p);
      StartGeneral(p);
      return;
    }
    if (IsFooterLine(t)) {
      p.kind = ParaKind::kFooter;
      Process(p);
      return;
    }
    if (current_.has_value() && current_->kind == Item::NUMBERED &&
        !current_->parts.empty() &&
        current_->parts.front().kind == PartKind::kHeading &&
        !EndsSentence(current_->parts.front().content)) {
      current_->parts.front().content.Append(t);
      Use(line.number);
      return;
    }
    if (current_.has_value() && current_->kind == Item::GENERAL &&
        !current_->closed) {
      AddText(p);
      return;
    }
    FinishItem();
    if (TakeClosingLine(p)) return;
    loose_.push_back(p);
    if (EndsWithUnits(p.text)) GeneralFromLoose();
  };

  if (layout.separator != 0) {
    for (std::size_t i = layout.first_row_line; i < lines_.size(); ++i) {
      const Line& line = lines_[i];
      if (line.text.empty()) continue;
      if (std::count(line.text.norm.begin(), line.text.norm.end(),
                     layout.separator) == 0) {
        other_line(line);
        continue;
      }
      std::vector<Text> cells = SplitCells(line.text, layout.separator);
      // Markdown rules (|---|---|) and repeated header rows.
      bool rule = true;
      for (const Text& c : cells) {
        for (char32_t ch : c.norm) {
          if (ch != U'-' && ch != U':' && ch != U'+' && ch != U'=' &&
              !IsSpace(ch)) {
            rule = false;
          }
        }
      }
      if (rule || TableHeaderAt(i).has_value()) {
        Use(line.number);
        continue;
      }
      if (cells.size() > ncols) {
        // More cells than columns: the surplus belongs to the last column.
        Warn(line.number, "TABLE_ROW_CELLS",
             absl::StrCat("row has ", cells.size(), " cells, the header ",
                          ncols, "; the surplus is kept in the last column"));
        for (std::size_t c = ncols; c < cells.size(); ++c) {
          if (cells[c].empty()) continue;
          cells[ncols - 1].AppendRaw(U" ");
          cells[ncols - 1].Append(cells[c]);
        }
      }
      // Pasted rows often drop their empty trailing cells.
      cells.resize(ncols);
      if (section_row(cells, line.number)) continue;
      bool numbered = number_col < 0 || !cells[number_col].empty();
      add_row(cells, {line.number}, !numbered);
    }
  } else {
    // One cell per line. A row starts at a line holding only its number
    // (1, 1., （一）), or at a numbered line whose text is the task.
    std::vector<Text> row;
    std::vector<int> row_lines;
    auto flush_row = [&]() {
      if (row.empty()) return;
      const std::size_t expected = ncols;
      std::vector<Text> cells(ncols);
      if (row.size() == expected) {
        cells = row;
      } else {
        // Cells missing or wrapped: place them by what they look like.
        std::size_t r = 0;
        if (number_col >= 0) cells[number_col] = row[r++];
        std::vector<bool> filled(ncols, false);
        if (number_col >= 0) filled[number_col] = true;
        // The task takes the first cell and any following cell that is
        // neither a unit list, a person nor a time limit.
        if (task_col >= 0 && r < row.size()) {
          cells[task_col] = row[r++];
          filled[task_col] = true;
          std::size_t spare = row.size() - r;
          std::size_t other_cols = 0;
          for (std::size_t c = 0; c < ncols; ++c) {
            if (!filled[c]) ++other_cols;
          }
          while (r < row.size() && spare > other_cols &&
                 !LooksLikeUnitText(row[r])) {
            cells[task_col].Append(row[r++]);
            --spare;
          }
        }
        for (; r < row.size(); ++r) {
          const Text& cell = row[r];
          bool deadline = ParseDeadlineField(cell, plan_.year()).has_value() ||
                          cell.Contains(U"长期") || cell.Contains(U"持续");
          bool units = LooksLikeUnitText(cell);
          int target = -1;
          for (std::size_t c = 0; c < ncols && target < 0; ++c) {
            if (filled[c] || !layout.columns[c].has_value()) continue;
            FieldKind k = *layout.columns[c];
            if ((deadline && !units && k == FieldKind::kDeadline) ||
                (units && IsUnitField(k)) ||
                (!units && !deadline && k == FieldKind::kPerson)) {
              target = static_cast<int>(c);
            }
          }
          for (std::size_t c = 0; c < ncols && target < 0; ++c) {
            if (!filled[c]) target = static_cast<int>(c);
          }
          if (target < 0) {
            if (task_col >= 0) cells[task_col].Append(cell);
            continue;
          }
          cells[target] = cell;
          filled[target] = true;
        }
      }
      add_row(cells, row_lines, false);
      row.clear();
      row_lines.clear();
    };
    auto is_row_start = [&](const Text& t) {
      if (number_col < 0) return false;
      std::u32string n = StripSpaces(t.norm);
      while (!n.empty() && (n.back() == U'.' || n.back() == U'、'))
        n.pop_back();
      bool digits = !n.empty() && n.size() <= 3 &&
                    std::all_of(n.begin(), n.end(), IsDigit);
      if (digits) return true;
      std::optional<Heading> h = ParseHeading(t);
      return h.has_value() && h->level >= kLevelArabic &&
             h->level <= kLevelParenArabic && h->text_begin >= t.size();
    };
    bool blank_before = false;
    for (std::size_t i = layout.first_row_line; i < lines_.size(); ++i) {
      const Line& line = lines_[i];
      if (line.text.empty()) {
        blank_before = true;
        continue;
      }
      bool starts = is_row_start(line.text) ||
                    (number_col < 0 && blank_before && !row.empty());
      blank_before = false;
      std::optional<Heading> h = ParseHeading(line.text);
      bool section =
          h.has_value() &&
          (h->level == kLevelChinese || h->level == kLevelParenChinese) &&
          h->text_begin < line.text.size();
      if (section || IsGeneralStart(line.text) || IsFooterLine(line.text) ||
          (TableHeaderAt(i).has_value() && row.empty())) {
        flush_row();
        if (auto again = TableHeaderAt(i); again.has_value() && !section) {
          for (std::size_t k = i; k < again->first_row_line; ++k) {
            if (!lines_[k].text.empty()) Use(lines_[k].number);
          }
          i = again->first_row_line - 1;
          continue;
        }
        other_line(line);
        continue;
      }
      if (starts) {
        flush_row();
      } else if (row.empty()) {
        other_line(line);
        continue;
      }
      row.push_back(line.text);
      row_lines.push_back(line.number);
    }
    flush_row();
  }
  FinishItem();
  FlushLoose();
}

// ---------------------------------------------------------------------------
// Items.

void DocumentParser::BuildItem(const RawItem& raw, Item* item) {
  item->set_kind(raw.kind);
  if (raw.kind == Item::NUMBERED) {
    item->set_number(EncodeUtf8(raw.heading.printed));
  }
  if (raw.section >= 0 && raw.kind == Item::NUMBERED) {
    item->set_section_id(sections_[raw.section].proto.id());
  }
  item->set_source_line(raw.line);

  // Body: every part as printed, one paragraph a line.
  std::vector<Text> body_parts;
  for (const Part& p : raw.parts) {
    Text t;
    if (p.kind == PartKind::kField) t = p.label;
    t.Append(p.content);
    body_parts.push_back(Trim(t));
  }
  Text body = JoinTexts(body_parts, U"\n");
  item->set_body(body.Utf8());

  // Units: labelled parts first; else the trailing parenthesis of the last
  // paragraph of text.
  UnitListBuilder units;
  std::vector<Text> unit_texts;
  std::vector<const Part*> unit_parts;
  std::vector<Text> deadline_texts;
  for (const Part& p : raw.parts) {
    if (p.kind != PartKind::kField) continue;
    if (IsUnitField(p.field)) unit_parts.push_back(&p);
    if (p.field == FieldKind::kDeadline) deadline_texts.push_back(p.content);
  }
  std::vector<Part> parts = raw.parts;  // text parts, units cut off
  if (!unit_parts.empty()) {
    for (const Part* p : unit_parts) {
      units.Add(p->content,
                p->field == FieldKind::kLeadUnits ? UnitRoleHint::kLead
                : p->field == FieldKind::kCoUnits ? UnitRoleHint::kCo
                                                  : UnitRoleHint::kDefault);
      if (unit_parts.size() == 1) {
        unit_texts.push_back(p->content);
      } else {
        Text labelled = Trim(p->label);
        labelled.Append(p->content);
        unit_texts.push_back(labelled);
      }
    }
  } else {
    for (std::size_t k = parts.size(); k > 0; --k) {
      Part& p = parts[k - 1];
      if (p.kind == PartKind::kField &&
          !(p.field == FieldKind::kTarget || p.field == FieldKind::kMeasures)) {
        continue;
      }
      TrailingParens tp = FindTrailingParens(p.content);
      if (!tp.units.empty()) {
        for (const Text& u : tp.units) {
          units.Add(u, UnitRoleHint::kDefault);
          // (责任单位：A、B) is printed text "A、B"; a parenthesis with several
          // labels keeps them, as they carry the roles.
          Text printed = Trim(u);
          std::optional<FieldLabel> label = LabelAt(printed, 0);
          if (label.has_value() && IsUnitField(label->kind) &&
              printed.Find(U":", label->content_begin) == kNpos) {
            printed = Trim(printed.Sub(label->content_begin));
          }
          unit_texts.push_back(printed);
        }
        for (const Text& d : tp.deadlines) deadline_texts.push_back(d);
        p.content = Trim(p.content.Sub(0, tp.cut));
      } else if (std::size_t at = FindInlineUnits(p.content); at != kNpos) {
        Text printed = Trim(p.content.Sub(at));
        units.Add(printed, UnitRoleHint::kDefault);
        std::optional<FieldLabel> label = LabelAt(printed, 0);
        if (printed.Find(U":", label->content_begin) == kNpos) {
          printed = Trim(printed.Sub(label->content_begin));
        }
        unit_texts.push_back(printed);
        p.content = Trim(p.content.Sub(0, at));
      }
      break;
    }
  }
  ParsedUnits parsed = units.Finish();
  for (v1::UnitRef& u : parsed.units) *item->add_units() = std::move(u);
  item->set_units_open_ended(parsed.open_ended);
  item->set_responsible_units_text(
      JoinTexts(unit_texts, unit_parts.size() > 1 ? U"\n" : U"；").Utf8());

  // Title and the text after it.
  Text title;
  std::vector<Text> measures;
  std::vector<Text> targets;
  bool labelled_measures = false;
  for (const Part& p : parts) {
    if (p.kind == PartKind::kField && p.field == FieldKind::kMeasures) {
      labelled_measures = true;
    }
  }
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Part& p = parts[k];
    if (p.kind == PartKind::kHeading || (raw.kind == Item::GENERAL && k == 0)) {
      Text head = Trim(p.content);
      std::size_t stop = FindFirstFullStop(head.norm);
      if (stop != kNpos) {
        title = Trim(head.Sub(0, stop));
        Text rest = Trim(head.Sub(stop + 1));
        if (raw.kind == Item::GENERAL) {
          measures.push_back(head);  // the duty itself is what is tracked
        } else if (!rest.empty()) {
          measures.push_back(rest);
        }
      } else {
        title = head;
        if (raw.kind == Item::GENERAL) measures.push_back(head);
      }
      continue;
    }
    if (p.kind == PartKind::kField) {
      if (p.field == FieldKind::kTarget) targets.push_back(Trim(p.content));
      if (p.field == FieldKind::kMeasures) measures.push_back(Trim(p.content));
      continue;
    }
    // Unlabelled paragraphs: of the target when they follow 目标任务, else
    // measures.
    if (p.continues_field && p.field == FieldKind::kTarget) {
      targets.push_back(Trim(p.content));
    } else {
      measures.push_back(Trim(p.content));
    }
  }
  if (raw.from_table && !labelled_measures && !title.empty()) {
    // A table row's task cell is itself the work to be done and tracked.
    measures.clear();
    for (const Part& p : parts) {
      if (p.kind == PartKind::kHeading) measures.push_back(Trim(p.content));
    }
  }
  while (!title.empty() &&
         (title.norm.back() == U':' || IsListSeparator(title.norm.back()))) {
    title = Trim(title.Sub(0, title.size() - 1));
  }
  item->set_title(title.Utf8());
  item->set_target(JoinTexts(targets, U"\n").Utf8());
  Text measures_text = JoinTexts(measures, U"\n");
  item->set_measures_text(measures_text.Utf8());
  for (const Text& m : SplitSentences(measures_text)) {
    item->add_measures(m.Utf8());
  }

  for (v1::Indicator& ind : FindIndicators(body)) {
    *item->add_indicators() = std::move(ind);
  }
  std::optional<v1::Deadline> deadline;
  for (const Text& d : deadline_texts) {
    std::optional<v1::Deadline> field = ParseDeadlineField(d, plan_.year());
    if (field.has_value() &&
        (!deadline.has_value() ||
         std::make_tuple(field->date().year(), field->date().month(),
                         field->date().day()) >
             std::make_tuple(deadline->date().year(), deadline->date().month(),
                             deadline->date().day()))) {
      deadline = field;
    }
  }
  if (!deadline.has_value()) deadline = FindDeadline(body, plan_.year());
  if (deadline.has_value()) *item->mutable_deadline() = *deadline;

  if (item->units_size() == 0) {
    Warn(raw.line, "ITEM_WITHOUT_UNITS",
         absl::StrCat(raw.kind == Item::GENERAL
                          ? "closing duty"
                          : absl::StrCat("item ", item->number()),
                      " names no responsible unit: ", Snippet(title)));
  }
}

// Item ids: the printed number while numbers are unique in the plan; when
// numbering restarts (per section or sub-section) every numbered item's id is
// its section id and number ("3.1.2"); GENERAL items are "general",
// "general-2", …; a number still repeated gets "-2", "-3".
void DocumentParser::AssignIds(std::vector<Item>* items) {
  std::set<int> values;
  bool restarts = false;
  for (const RawItem& raw : raw_items_) {
    if (raw.kind != Item::NUMBERED) continue;
    if (!values.insert(raw.heading.value).second) restarts = true;
  }
  std::set<std::string> taken;
  int generals = 0;
  for (std::size_t k = 0; k < items->size(); ++k) {
    Item& item = (*items)[k];
    const RawItem& raw = raw_items_[k];
    std::string id;
    if (raw.kind == Item::GENERAL) {
      ++generals;
      id = generals == 1 ? "general" : absl::StrCat("general-", generals);
    } else if (restarts && !item.section_id().empty()) {
      id = absl::StrCat(item.section_id(), ".", raw.heading.value);
    } else {
      id = absl::StrCat(raw.heading.value);
    }
    if (!taken.insert(id).second) {
      for (int n = 2;; ++n) {
        std::string candidate = absl::StrCat(id, "-", n);
        if (taken.insert(candidate).second) {
          id = candidate;
          break;
        }
      }
    }
    item.set_name(absl::StrCat(options_.plan_name, "/items/", id));
    item.set_ordinal(static_cast<int>(k) + 1);
  }
}

absl::StatusOr<ParsedPlan> DocumentParser::Parse() {
  std::optional<TableLayout> table;
  std::size_t body_start = FindBodyStart(&table);
  if (body_start >= lines_.size()) {
    return absl::InvalidArgumentError(
        "content: no section or item found; expected headings such as 一、 "
        "and numbered items such as 1.");
  }
  ParseHeader(body_start);
  if (table.has_value()) {
    for (std::size_t k = body_start; k < table->first_row_line; ++k) {
      if (!lines_[k].text.empty()) Use(lines_[k].number);
    }
    // Sections outside the table cells use 一、 and （一）.
    section_levels_ = {kLevelChinese, kLevelParenChinese};
    item_level_ = kLevelArabic;
    ParseTable(*table);
  } else {
    DetectOutline(body_start, lines_.size());
    if (item_level_ < 0) {
      return absl::InvalidArgumentError(
          "content: no section or item found; expected headings such as 一、 "
          "and numbered items such as 1.");
    }
    ParseBody(body_start, lines_.size());
  }
  if (sections_.empty() && raw_items_.empty()) {
    return absl::InvalidArgumentError("content: no section or item found");
  }
  return Finish();
}

ParsedPlan DocumentParser::Finish() {
  ParsedPlan out;
  std::vector<Item>& items = out.items;
  items.resize(raw_items_.size());
  for (std::size_t k = 0; k < raw_items_.size(); ++k) {
    BuildItem(raw_items_[k], &items[k]);
  }
  AssignIds(&items);

  plan_.set_name(options_.plan_name);
  plan_.set_state(Plan::DRAFT);
  plan_.set_general_requirements(
      JoinTexts(general_requirements_, U"\n").Utf8());
  for (SectionInfo& s : sections_) *plan_.add_sections() = std::move(s.proto);
  plan_.set_item_count(static_cast<int>(items.size()));
  for (const Item& item : items) {
    if (item.kind() == Item::GENERAL) {
      std::string id = item.name().substr(item.name().rfind('/') + 1);
      plan_.add_general_item_ids(id);
    }
  }
  if (plan_.title().empty()) {
    Warn(1, "TITLE_NOT_FOUND",
         "no plan title (…工作要点) found before the first section");
  }
  // Every line is used or reported.
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (used_[i] || lines_[i].text.empty() ||
        warned_lines_.count(lines_[i].number) > 0) {
      continue;
    }
    Warn(lines_[i].number, "UNRECOGNISED_LINE",
         absl::StrCat("line not understood: ", Snippet(lines_[i].text)));
  }
  std::stable_sort(warnings_.begin(), warnings_.end(),
                   [](const ImportWarning& a, const ImportWarning& b) {
                     return a.line() < b.line();
                   });
  out.plan = std::move(plan_);
  out.warnings = std::move(warnings_);
  return out;
}

}  // namespace

absl::StatusOr<ParsedPlan> ParsePlanDocument(absl::string_view content,
                                             const ImportOptions& options) {
  if (absl::Status s = ValidateContent(content); !s.ok()) return s;
  std::vector<Line> lines = SplitLines(content);
  bool blank = true;
  for (const Line& l : lines) {
    if (!l.text.empty()) {
      blank = false;
      break;
    }
  }
  if (blank) {
    return absl::InvalidArgumentError(
        "content: document holds only whitespace");
  }
  DocumentParser parser(std::move(lines), options);
  return parser.Parse();
}

}  // namespace duban::plan
