#include "services/plan/indicators.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace duban::plan {
namespace {

using ::duban::plan::v1::Direction;
using ::duban::plan::v1::Indicator;
using ::duban::plan::v1::IndicatorPart;

// Longest first where one is a prefix of another.
constexpr std::u32string_view kMeasures[] = {
    U"个百分点", U"百分点", U"平方公里", U"平方米", U"所次", U"人次", U"学时",
    U"课时",     U"公里",   U"千米",     U"公顷",   U"亩",   U"所",   U"个",
    U"名",       U"人",     U"元",       U"家",     U"项",   U"篇",   U"台",
    U"套",       U"间",     U"座",       U"栋",     U"条",   U"场",   U"次",
    U"批",       U"门",     U"节",       U"辆",     U"张",   U"份",   U"种",
    U"户",       U"本",     U"册",       U"支",     U"位",   U"块",   U"米",
    U"件",       U"部",     U"处",       U"倍",     U"期",   U"校",   U"园",
    U"班",       U"吨",     U"台套",
};

// 个 followed by these counts time, not things.
constexpr std::u32string_view kDurationsAfterGe[] = {
    U"月", U"工作日", U"小时", U"星期", U"学期", U"年", U"季度",
};

struct Verb {
  std::u32string_view word;
  Direction direction;
  bool predicate;  // the counted thing stands before it (覆盖率达到 80%)
};

constexpr Verb kVerbs[] = {
    {U"消除", v1::TO_ZERO, false},    {U"清零", v1::TO_ZERO, false},
    {U"化解", v1::TO_ZERO, false},    {U"消灭", v1::TO_ZERO, false},
    {U"清除", v1::TO_ZERO, false},    {U"根除", v1::TO_ZERO, false},
    {U"降至", v1::AT_MOST, true},     {U"降到", v1::AT_MOST, true},
    {U"降低至", v1::AT_MOST, true},   {U"降低到", v1::AT_MOST, true},
    {U"下降到", v1::AT_MOST, true},   {U"下降至", v1::AT_MOST, true},
    {U"控制在", v1::AT_MOST, true},   {U"控制到", v1::AT_MOST, true},
    {U"不超过", v1::AT_MOST, true},   {U"不高于", v1::AT_MOST, true},
    {U"低于", v1::AT_MOST, true},     {U"少于", v1::AT_MOST, true},
    {U"减少到", v1::AT_MOST, true},   {U"减少至", v1::AT_MOST, true},
    {U"压减至", v1::AT_MOST, true},   {U"压减到", v1::AT_MOST, true},
    {U"压缩至", v1::AT_MOST, true},   {U"压缩到", v1::AT_MOST, true},
    {U"减至", v1::AT_MOST, true},     {U"不足", v1::AT_MOST, true},
    {U"不低于", v1::AT_LEAST, true},  {U"不少于", v1::AT_LEAST, true},
    {U"达到", v1::AT_LEAST, true},    {U"达", v1::AT_LEAST, true},
    {U"超过", v1::AT_LEAST, true},    {U"高于", v1::AT_LEAST, true},
    {U"提高到", v1::AT_LEAST, true},  {U"提高至", v1::AT_LEAST, true},
    {U"提升到", v1::AT_LEAST, true},  {U"提升至", v1::AT_LEAST, true},
    {U"增至", v1::AT_LEAST, true},    {U"扩大到", v1::AT_LEAST, true},
    {U"保持在", v1::AT_LEAST, true},  {U"稳定在", v1::AT_LEAST, true},
    {U"增加", v1::AT_LEAST, false},   {U"新增", v1::AT_LEAST, false},
    {U"完成", v1::AT_LEAST, false},   {U"建成", v1::AT_LEAST, false},
    {U"新建", v1::AT_LEAST, false},   {U"开工", v1::AT_LEAST, false},
    {U"建设", v1::AT_LEAST, false},   {U"培养", v1::AT_LEAST, false},
    {U"培训", v1::AT_LEAST, false},   {U"招收", v1::AT_LEAST, false},
    {U"创建", v1::AT_LEAST, false},   {U"认定", v1::AT_LEAST, false},
    {U"遴选", v1::AT_LEAST, false},   {U"打造", v1::AT_LEAST, false},
    {U"改扩建", v1::AT_LEAST, false}, {U"实现", v1::AT_LEAST, false},
    {U"建有", v1::AT_LEAST, false},   {U"聚焦", v1::AT_LEAST, false},
};

// Words that open a clause without naming what is counted.
constexpr std::u32string_view kFillers[] = {
    U"确保", U"力争", U"实现", U"推动", U"使",     U"并",   U"且",
    U"和",   U"要",   U"努力", U"基本", U"进一步", U"全市", U"全省",
    U"全县", U"全区", U"其中", U"年内", U"争取",   U"同时", U"以及",
    U"督促", U"完成", U"的",   U"计划",
};

// Words that close a subject without being part of it.
constexpr std::u32string_view kTrailingFillers[] = {
    U"原则上", U"分别", U"均", U"都", U"要", U"将", U"总体",
};

bool At(std::u32string_view s, std::size_t i, std::u32string_view w) {
  return s.size() >= i + w.size() && s.substr(i, w.size()) == w;
}

bool IsClauseBreak(char32_t c) {
  return c == U',' || c == U';' || c == U'。' || c == U':' || c == U'!' ||
         c == U'?' || c == U'\n';
}

struct Quantity {
  std::size_t begin = 0;       // first digit
  std::size_t unit_begin = 0;  // multiplier or measure word
  std::size_t end = 0;         // past the measure word
  double value = 0;
  std::u32string unit_raw;
};

// Reads a number and its measure word at i; nullopt when i does not start
// one that counts something.
std::optional<Quantity> ReadQuantity(const Text& t, std::size_t i) {
  std::u32string_view s = t.norm;
  const std::size_t n = s.size();
  if (i >= n || !IsDigit(s[i])) return std::nullopt;
  if (i > 0 &&
      (IsDigit(s[i - 1]) || s[i - 1] == U'.' || IsAsciiLetter(s[i - 1]) ||
       (t.raw[i - 1] == U',' && i >= 2 && IsDigit(s[i - 2])))) {
    return std::nullopt;
  }
  std::string digits;
  std::size_t j = i;
  while (j < n) {
    if (IsDigit(s[j])) {
      digits.push_back(static_cast<char>(s[j]));
      ++j;
    } else if (t.raw[j] == U',' && j + 3 < n && IsDigit(s[j + 1]) &&
               IsDigit(s[j + 2]) && IsDigit(s[j + 3]) &&
               (j + 4 >= n || !IsDigit(s[j + 4]))) {
      // 1,000: an ASCII comma between groups of three digits.
      ++j;
    } else {
      break;
    }
  }
  if (j < n && s[j] == U'.' && j + 1 < n && IsDigit(s[j + 1])) {
    digits.push_back('.');
    ++j;
    while (j < n && IsDigit(s[j])) digits.push_back(static_cast<char>(s[j++]));
  }
  if (j < n) {
    char32_t c = s[j];
    // 5G, 1+X, 2017-2020, 1/3, 2.0.1: codes and ranges, not counts.
    if (IsAsciiLetter(c) || c == U'+' || c == U'/' || c == U'.') {
      return std::nullopt;
    }
    if ((c == U'-' || c == U'~') && j + 1 < n && IsDigit(s[j + 1])) {
      return std::nullopt;
    }
  }
  // Ordinals: 第 2 批.
  std::size_t p = i;
  while (p > 0 && IsSpace(s[p - 1])) --p;
  if (p > 0 && s[p - 1] == U'第') return std::nullopt;
  if (p > 0 && (s[p - 1] == U'〔' || s[p - 1] == U'[')) return std::nullopt;

  Quantity q;
  q.begin = i;
  q.value = std::strtod(digits.c_str(), nullptr);
  std::size_t k = SkipSpaces(s, j);
  q.unit_begin = k;
  bool multiplied = false;
  if (k < n && (s[k] == U'万' || s[k] == U'亿' || s[k] == U'千')) {
    q.value *= s[k] == U'万' ? 1e4 : s[k] == U'亿' ? 1e8 : 1e3;
    multiplied = true;
    ++k;
  }
  std::size_t m = SkipSpaces(s, k);
  std::size_t end = kNpos;
  bool percent = false;
  if (m < n && (s[m] == U'%' || s[m] == U'‰')) {
    end = m + 1;
    percent = true;
  } else {
    for (std::u32string_view w : kMeasures) {
      if (!At(s, m, w)) continue;
      if (w == U"个") {
        for (std::u32string_view d : kDurationsAfterGe) {
          if (At(s, m + 1, d)) return std::nullopt;
        }
      }
      end = m + w.size();
      break;
    }
  }
  if (end == kNpos) {
    if (!multiplied) return std::nullopt;
    end = k;  // 25 万 with no measure word: the unit is 万
  }
  q.end = end;
  for (std::size_t x = q.unit_begin; x < end; ++x) {
    if (!IsSpace(s[x])) q.unit_raw.push_back(t.raw[x]);
  }
  if (percent) {
    q.unit_raw.pop_back();
    q.unit_raw.push_back(s[end - 1] == U'%' ? U'%' : U'‰');
  }
  return q;
}

// Start of the clause containing i: just past the nearest clause break, or
// past an unmatched opening bracket, scanning back over balanced brackets.
std::size_t ClauseStart(std::u32string_view s, std::size_t i) {
  int depth = 0;
  while (i > 0) {
    char32_t c = s[i - 1];
    if (c == U')' || c == U'】' || c == U']') {
      ++depth;
    } else if (c == U'(' || c == U'【' || c == U'[') {
      if (depth == 0) return i;
      --depth;
    } else if (depth == 0 && IsClauseBreak(c)) {
      return i;
    }
    --i;
  }
  return 0;
}

// End of the clause starting before i: the next clause break or unmatched
// closing bracket.
std::size_t ClauseEnd(std::u32string_view s, std::size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c == U'(' || c == U'【' || c == U'[') {
      ++depth;
    } else if (c == U')' || c == U'】' || c == U']') {
      if (depth == 0) return i;
      --depth;
    } else if (depth == 0 && IsClauseBreak(c)) {
      return i;
    }
  }
  return s.size();
}

Text CleanSubject(Text t) {
  for (bool changed = true; changed;) {
    changed = false;
    t = Trim(t);
    // A year opening the clause (2020年全省…) dates the target; it is not
    // part of what is counted.
    std::size_t year = t.Find(U"年");
    if (year != kNpos && year >= 4 && year <= 12) {
      std::u32string_view head = std::u32string_view(t.norm).substr(0, year);
      std::u32string_view digits = TrimView(head);
      bool all_year = digits.size() >= 4;
      for (std::size_t x = digits.size() >= 4 ? digits.size() - 4 : 0;
           x < digits.size(); ++x) {
        if (!IsDigit(digits[x])) all_year = false;
      }
      if (all_year) {
        t = t.Sub(year + 1);
        changed = true;
        continue;
      }
    }
    while (!t.empty() &&
           (IsListSeparator(t.norm.front()) || t.norm.front() == U')')) {
      t = Trim(t.Sub(1));
      changed = true;
    }
    while (!t.empty() && (IsListSeparator(t.norm.back()) ||
                          t.norm.back() == U'(' || t.norm.back() == U'的')) {
      t = Trim(t.Sub(0, t.size() - 1));
      changed = true;
    }
    for (std::u32string_view f : kFillers) {
      if (t.size() > f.size() && t.StartsWith(f)) {
        t = t.Sub(f.size());
        changed = true;
      }
    }
    for (std::u32string_view f : kTrailingFillers) {
      if (t.size() > f.size() && t.EndsWith(f)) {
        t = t.Sub(0, t.size() - f.size());
        changed = true;
      }
    }
  }
  // A subject with a bracket left open or a number in it is not a name.
  int depth = 0;
  for (char32_t c : t.norm) {
    if (c == U'(') ++depth;
    if (c == U')') --depth;
    if (IsDigit(c)) return Text();
  }
  if (depth != 0 || t.size() > 30 || t.size() < 2) return Text();
  return t;
}

struct Parts {
  std::vector<IndicatorPart> parts;
  std::size_t text_end = 0;    // where the indicator's text ends
  std::size_t region_end = 0;  // what the parts consumed
  std::size_t noun_end = 0;    // where the noun after the measure word ends
};

// Reads a breakdown (其中 A 43 所、B 21 所) in [from, limit).
std::vector<IndicatorPart> ReadParts(const Text& t, std::size_t from,
                                     std::size_t limit) {
  std::vector<IndicatorPart> parts;
  std::size_t label_begin = from;
  for (std::size_t i = from; i < limit; ++i) {
    if (IsListSeparator(t.norm[i])) {
      label_begin = i + 1;
      continue;
    }
    std::optional<Quantity> q = ReadQuantity(t, i);
    if (!q.has_value() || q->end > limit) continue;
    IndicatorPart part;
    part.set_label(Trim(t.Sub(label_begin, q->begin - label_begin)).Utf8());
    part.set_value(q->value);
    part.set_unit(EncodeUtf8(q->unit_raw));
    parts.push_back(std::move(part));
    i = q->end - 1;
    label_begin = q->end;
  }
  return parts;
}

std::optional<Parts> FindParts(const Text& t, std::size_t after,
                               std::size_t clause_end) {
  std::u32string_view s = t.norm;
  // (其中 …) anywhere in the rest of the clause.
  for (std::size_t i = after; i < clause_end; ++i) {
    if (s[i] != U'(' || !At(s, SkipSpaces(s, i + 1), U"其中")) continue;
    std::size_t close = ClauseEnd(s, i + 1);
    if (close >= s.size() || s[close] != U')') return std::nullopt;
    Parts out;
    out.parts = ReadParts(t, SkipSpaces(s, i + 1) + 2, close);
    if (out.parts.empty()) return std::nullopt;
    out.text_end = close + 1;
    out.region_end = close + 1;
    out.noun_end = i;
    return out;
  }
  // "…，其中 …" up to the end of the sentence.
  if (clause_end < s.size() && s[clause_end] == U',' &&
      At(s, SkipSpaces(s, clause_end + 1), U"其中")) {
    std::size_t begin = SkipSpaces(s, clause_end + 1) + 2;
    std::size_t end = begin;
    while (end < s.size() && s[end] != U'。' && s[end] != U';' &&
           s[end] != U'\n') {
      ++end;
    }
    Parts out;
    out.parts = ReadParts(t, begin, end);
    if (out.parts.empty()) return std::nullopt;
    out.text_end = 0;  // the text stays the quantity itself
    out.region_end = end;
    out.noun_end = clause_end;
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::vector<Indicator> FindIndicators(const Text& body) {
  std::vector<Indicator> out;
  std::u32string_view s = body.norm;
  std::size_t prev_end = 0;
  int title_depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == U'《') ++title_depth;
    if (s[i] == U'》' && title_depth > 0) --title_depth;
    if (title_depth > 0 || !IsDigit(s[i])) continue;
    std::optional<Quantity> q = ReadQuantity(body, i);
    if (!q.has_value()) {
      while (i + 1 < s.size() && (IsDigit(s[i + 1]) || s[i + 1] == U'.')) ++i;
      continue;
    }
    Indicator ind;
    std::size_t text_end = q->end;
    Direction direction = v1::DIRECTION_UNSPECIFIED;
    std::size_t k = SkipSpaces(s, q->end);
    for (std::u32string_view w : {U"及以上", U"以上", U"之上"}) {
      if (At(s, k, w)) {
        direction = v1::AT_LEAST;
        text_end = k + w.size();
        break;
      }
    }
    for (std::u32string_view w : {U"及以下", U"以下", U"以内", U"之内"}) {
      if (At(s, k, w)) {
        direction = v1::AT_MOST;
        text_end = k + w.size();
        break;
      }
    }
    // The nearest verb before the number within its clause.
    std::size_t clause_begin = std::max(ClauseStart(s, q->begin), prev_end);
    std::u32string_view window =
        s.substr(clause_begin, q->begin - clause_begin);
    const Verb* verb = nullptr;
    std::size_t verb_pos = 0;
    std::size_t verb_end = 0;
    for (const Verb& v : kVerbs) {
      std::size_t pos = window.rfind(v.word);
      if (pos == std::u32string_view::npos) continue;
      std::size_t e = pos + v.word.size();
      if (verb == nullptr || e > verb_end ||
          (e == verb_end && v.word.size() > verb->word.size())) {
        verb = &v;
        verb_pos = pos;
        verb_end = e;
      }
    }
    std::size_t clause_end = ClauseEnd(s, text_end);
    if (direction == v1::DIRECTION_UNSPECIFIED && verb != nullptr) {
      direction = verb->direction;
    }
    if (direction == v1::DIRECTION_UNSPECIFIED) {
      std::u32string_view rest = s.substr(text_end, clause_end - text_end);
      direction = rest.find(U"清零") != std::u32string_view::npos ||
                          rest.find(U"消除") != std::u32string_view::npos
                      ? v1::TO_ZERO
                      : v1::AT_LEAST;
    }
    const std::size_t quantity_end = text_end;
    std::optional<Parts> parts = FindParts(body, text_end, clause_end);
    std::size_t noun_end = clause_end;
    std::size_t consumed = text_end;
    if (parts.has_value()) {
      for (IndicatorPart& p : parts->parts) *ind.add_parts() = std::move(p);
      if (parts->text_end > 0) text_end = parts->text_end;
      noun_end = parts->noun_end;
      consumed = std::max(consumed, parts->region_end);
    }
    // What is counted.
    Text before_verb = verb != nullptr
                           ? body.Sub(clause_begin, verb_pos)
                           : body.Sub(clause_begin, q->begin - clause_begin);
    Text object = verb != nullptr ? body.Sub(clause_begin + verb_end,
                                             q->begin - clause_begin - verb_end)
                                  : Text();
    std::size_t noun_begin = SkipSpaces(s, quantity_end);
    for (std::size_t x = noun_begin; x < noun_end; ++x) {
      if (s[x] == U'、') {
        noun_end = x;
        break;
      }
    }
    Text noun = noun_begin < noun_end
                    ? body.Sub(noun_begin, noun_end - noun_begin)
                    : Text();
    Text subject;
    if (verb != nullptr && verb->predicate) subject = CleanSubject(before_verb);
    if (subject.empty()) subject = CleanSubject(object);
    if (subject.empty()) subject = CleanSubject(noun);
    if (subject.empty()) subject = CleanSubject(before_verb);

    ind.set_id(absl::StrCat("i", out.size() + 1));
    ind.set_text(Trim(body.Sub(q->begin, text_end - q->begin)).Utf8());
    ind.set_value(q->value);
    ind.set_unit(EncodeUtf8(q->unit_raw));
    ind.set_direction(direction);
    ind.set_offset(static_cast<int>(
        Utf8Size(std::u32string_view(body.raw).substr(0, q->begin))));
    ind.set_subject(subject.Utf8());
    out.push_back(std::move(ind));
    prev_end = consumed;
    i = consumed - 1;
  }
  return out;
}

std::vector<Indicator> FindIndicators(absl::string_view body) {
  if (FindInvalidUtf8(body) != kNpos) return {};
  return FindIndicators(Text::FromUtf8(body));
}

}  // namespace duban::plan
