#include "services/plan/deadlines.h"

#include <string>
#include <tuple>

namespace duban::plan {
namespace {

struct Ymd {
  int year = 0;
  int month = 0;
  int day = 0;
};

bool At(const std::u32string& s, std::size_t i, std::u32string_view w) {
  return s.size() >= i + w.size() &&
         std::u32string_view(s).substr(i, w.size()) == w;
}

// Reads 1..max_digits ASCII digits at i that are not followed by another.
bool ReadArabic(const std::u32string& s, std::size_t i, int max_digits,
                int* value, std::size_t* end) {
  std::size_t j = i;
  int v = 0;
  while (j < s.size() && IsDigit(s[j]) &&
         static_cast<int>(j - i) < max_digits) {
    v = v * 10 + static_cast<int>(s[j] - U'0');
    ++j;
  }
  if (j == i || (j < s.size() && IsDigit(s[j]))) return false;
  *value = v;
  *end = j;
  return true;
}

// Reads a small Chinese numeral (一 … 三十一) at i.
bool ReadChinese(const std::u32string& s, std::size_t i, int* value,
                 std::size_t* end) {
  std::size_t j = i;
  while (j < s.size() && j - i < 3 && IsChineseNumeralChar(s[j])) ++j;
  while (j > i) {
    int v = ChineseNumberValue(std::u32string_view(s).substr(i, j - i));
    if (v > 0) {
      *value = v;
      *end = j;
      return true;
    }
    --j;
  }
  return false;
}

bool ReadNumber(const std::u32string& s, std::size_t i, int max_digits,
                int* value, std::size_t* end) {
  return ReadArabic(s, i, max_digits, value, end) ||
         ReadChinese(s, i, value, end);
}

// A four-digit year and its 年: "2020年", "2020 年 ".
bool ReadYear(const std::u32string& s, std::size_t i, int* year,
              std::size_t* end) {
  if (i > 0 && IsDigit(s[i - 1])) return false;
  int v;
  std::size_t j;
  if (!ReadArabic(s, i, 4, &v, &j) || j - i != 4) return false;
  if (v < 1900 || v > 2199) return false;
  j = SkipSpaces(s, j);
  if (j >= s.size() || s[j] != U'年') return false;
  *year = v;
  *end = SkipSpaces(s, j + 1);
  return true;
}

// Skips 前 / 之前 / 以前 / 止 after a period.
std::size_t SkipBefore(const std::u32string& s, std::size_t i) {
  std::size_t j = SkipSpaces(s, i);
  for (std::u32string_view w : {U"之前", U"以前", U"前", U"止"}) {
    if (At(s, j, w)) return j + w.size();
  }
  return i;
}

// A month phrase at i: 10月底(前), 10月份, 10月中旬, 10月15日前, or in a
// field a bare 10月 / 10月15日.
bool ReadMonthPhrase(const std::u32string& s, std::size_t i, int year,
                     bool field, Ymd* out, std::size_t* end) {
  int month;
  std::size_t j;
  if (!ReadNumber(s, i, 2, &month, &j) || month < 1 || month > 12) {
    return false;
  }
  j = SkipSpaces(s, j);
  if (j >= s.size() || s[j] != U'月') return false;
  ++j;
  std::size_t k = SkipSpaces(s, j);
  Ymd d{year, month, LastDayOfMonth(year, month)};
  for (std::u32string_view w : {U"底", U"末", U"下旬"}) {
    if (At(s, k, w)) {
      *out = d;
      *end = SkipBefore(s, k + w.size());
      return true;
    }
  }
  if (At(s, k, U"份")) {
    *out = d;
    *end = SkipBefore(s, k + 1);
    return true;
  }
  if (At(s, k, U"上旬") || At(s, k, U"中旬")) {
    d.day = At(s, k, U"上旬") ? 10 : 20;
    *out = d;
    *end = SkipBefore(s, k + 2);
    return true;
  }
  int day;
  std::size_t m;
  if (ReadNumber(s, k, 2, &day, &m) && day >= 1 &&
      day <= LastDayOfMonth(year, month)) {
    m = SkipSpaces(s, m);
    if (m < s.size() && (s[m] == U'日' || s[m] == U'号')) {
      std::size_t after = SkipBefore(s, m + 1);
      if (after != m + 1 || field) {
        *out = Ymd{year, month, day};
        *end = after;
        return true;
      }
    }
  }
  if (field) {
    *out = d;
    *end = j;
    return true;
  }
  return false;
}

// Phrases that need no month: 年内, 年底, 上半年, 一季度, 秋季开学前 … `k` is
// where the phrase starts; `after_year` when a printed year precedes it (then
// 年 is already consumed: "2020年底" reads 底 here).
bool ReadPeriodPhrase(const std::u32string& s, std::size_t k, int year,
                      bool after_year, bool field, Ymd* out, std::size_t* end) {
  auto done = [&](int month, int day, std::size_t e) {
    *out = Ymd{year, month, day};
    *end = e;
    return true;
  };
  if (after_year) {
    if (At(s, k, U"底") || At(s, k, U"末"))
      return done(12, 31, SkipBefore(s, k + 1));
    if (At(s, k, U"内")) return done(12, 31, k + 1);
  } else {
    if (At(s, k, U"年内")) return done(12, 31, k + 2);
    if (At(s, k, U"年底") || At(s, k, U"年末")) {
      return done(12, 31, SkipBefore(s, k + 2));
    }
    if (field && At(s, k, U"全年")) return done(12, 31, k + 2);
  }
  if (At(s, k, U"上半年")) return done(6, 30, SkipBefore(s, k + 3));
  if (At(s, k, U"下半年")) return done(12, 31, SkipBefore(s, k + 3));
  std::size_t q = At(s, k, U"第") ? k + 1 : k;
  if (q < s.size()) {
    int quarter = 0;
    switch (s[q]) {
      case U'一':
      case U'1':
        quarter = 1;
        break;
      case U'二':
      case U'2':
        quarter = 2;
        break;
      case U'三':
      case U'3':
        quarter = 3;
        break;
      case U'四':
      case U'4':
        quarter = 4;
        break;
      default:
        break;
    }
    if (quarter > 0 && At(s, q + 1, U"季度")) {
      int month = quarter * 3;
      std::size_t e = q + 3;
      if (At(s, e, U"末")) ++e;
      return done(month, LastDayOfMonth(year, month), SkipBefore(s, e));
    }
  }
  if (At(s, k, U"秋季")) {
    std::size_t e = k + 2;
    if (At(s, e, U"开学")) e = SkipBefore(s, e + 2);
    return done(8, 31, e);
  }
  if (At(s, k, U"春季开学")) {
    std::size_t e = SkipBefore(s, k + 4);
    if (e != k + 4) return done(2, LastDayOfMonth(year, 2), e);
  }
  return false;
}

bool PrecededByNumber(const std::u32string& s, std::size_t i) {
  if (i == 0) return false;
  char32_t p = s[i - 1];
  return IsDigit(p) || IsChineseNumeralChar(p) || p == U'几' || p == U'多' ||
         p == U'半' || p == U'.';
}

std::optional<v1::Deadline> Find(const Text& text, int plan_year, bool field) {
  const std::u32string& s = text.norm;
  bool found = false;
  Ymd best;
  std::size_t best_begin = 0;
  std::size_t best_end = 0;
  int title_depth = 0;  // inside 《》
  auto consider = [&](const Ymd& d, std::size_t b, std::size_t e) {
    if (d.year <= 0) return;
    if (!found || std::tie(d.year, d.month, d.day) >
                      std::tie(best.year, best.month, best.day)) {
      found = true;
      best = d;
      best_begin = b;
      best_end = e;
    }
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == U'《') ++title_depth;
    if (s[i] == U'》' && title_depth > 0) --title_depth;
    if (title_depth > 0) continue;
    // Every phrase starts with one of these; skip the rest cheaply.
    const char32_t c = s[i];
    if (!IsDigit(c) && !IsChineseNumeralChar(c) && c != U'年' && c != U'上' &&
        c != U'下' && c != U'第' && c != U'秋' && c != U'春' && c != U'全') {
      continue;
    }
    Ymd d;
    std::size_t end;
    int year;
    std::size_t k;
    if (ReadYear(s, i, &year, &k)) {
      if (ReadPeriodPhrase(s, k, year, true, field, &d, &end) ||
          ReadMonthPhrase(s, k, year, field, &d, &end)) {
        consider(d, i, end);
        i = end - 1;
        continue;
      }
      if (field) {
        consider(Ymd{year, 12, 31}, i, k);
        i = k - 1;
        continue;
      }
      continue;
    }
    if (PrecededByNumber(s, i)) continue;
    if (ReadPeriodPhrase(s, i, plan_year, false, field, &d, &end) ||
        ReadMonthPhrase(s, i, plan_year, field, &d, &end)) {
      consider(d, i, end);
      i = end - 1;
    }
  }
  if (!found) return std::nullopt;
  v1::Deadline out;
  out.mutable_date()->set_year(best.year);
  out.mutable_date()->set_month(best.month);
  out.mutable_date()->set_day(best.day);
  out.set_text(Trim(text.Sub(best_begin, best_end - best_begin)).Utf8());
  return out;
}

}  // namespace

int LastDayOfMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 31;
  if (month == 2) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

std::optional<v1::Deadline> FindDeadline(const Text& text, int plan_year) {
  return Find(text, plan_year, /*field=*/false);
}

std::optional<v1::Deadline> FindDeadline(absl::string_view text,
                                         int plan_year) {
  if (FindInvalidUtf8(text) != kNpos) return std::nullopt;
  return Find(Text::FromUtf8(text), plan_year, /*field=*/false);
}

std::optional<v1::Deadline> ParseDeadlineField(const Text& text,
                                               int plan_year) {
  return Find(text, plan_year, /*field=*/true);
}

std::optional<duban::type::v1::Date> ParseDateLine(const Text& text) {
  std::u32string s = StripSpaces(text.norm);
  if (s.size() >= 2 && s.front() == U'(' && s.back() == U')') {
    s = s.substr(1, s.size() - 2);
  }
  std::size_t i = 0;
  int year = 0;
  // Year: four digits, Arabic or Chinese (二〇二〇).
  for (; i < 4 && i < s.size(); ++i) {
    char32_t c = s[i];
    int v = -1;
    if (IsDigit(c)) {
      v = static_cast<int>(c - U'0');
    } else if (c == U'〇' || c == U'零' || c == U'O' || c == U'o') {
      v = 0;
    } else {
      int cv = ChineseNumberValue(std::u32string_view(&s[i], 1));
      if (cv >= 1 && cv <= 9) v = cv;
    }
    if (v < 0) return std::nullopt;
    year = year * 10 + v;
  }
  if (i != 4 || year < 1900 || i >= s.size() || s[i] != U'年') {
    return std::nullopt;
  }
  ++i;
  int month;
  std::size_t j;
  if (!ReadNumber(s, i, 2, &month, &j) || month < 1 || month > 12 ||
      j >= s.size() || s[j] != U'月') {
    return std::nullopt;
  }
  int day;
  std::size_t k;
  if (!ReadNumber(s, j + 1, 2, &day, &k) || day < 1 ||
      day > LastDayOfMonth(year, month) || k >= s.size() ||
      (s[k] != U'日' && s[k] != U'号') || k + 1 != s.size()) {
    return std::nullopt;
  }
  duban::type::v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

}  // namespace duban::plan
