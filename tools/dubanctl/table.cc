#include "tools/dubanctl/table.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>

namespace duban::cli {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Combining marks, zero-width and format characters: drawn on the previous
// cell or not at all. Checked before kWide: a few (kana voicing marks, CJK
// tone marks) lie inside wide blocks.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489},   {0x0591, 0x05BD}, {0x05BF, 0x05BF},
    {0x05C1, 0x05C2}, {0x05C4, 0x05C5},   {0x05C7, 0x05C7}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0670, 0x0670},   {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
    {0x06E7, 0x06E8}, {0x06EA, 0x06ED},   {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},
    {0x0E47, 0x0E4E}, {0x1160, 0x11FF},   {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x202A, 0x202E},   {0x2060, 0x2064}, {0x20D0, 0x20FF},
    {0x302A, 0x302D}, {0x3099, 0x309A},   {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
    {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

// East Asian Wide (W) and Fullwidth (F) code points, by block; emoji only
// roughly.
constexpr Range kWide[] = {
    {0x1100, 0x115F},    // Hangul Jamo initial consonants
    {0x231A, 0x231B},    // watch, hourglass
    {0x2329, 0x232A},    // angle brackets
    {0x23E9, 0x23EC},    // media controls
    {0x23F0, 0x23F0},    // alarm clock
    {0x23F3, 0x23F3},    // hourglass
    {0x25FD, 0x25FE},    // squares
    {0x2614, 0x2615},    // umbrella, hot beverage
    {0x2648, 0x2653},    // zodiac
    {0x26A1, 0x26A1},    // high voltage
    {0x26AA, 0x26AB},    // circles
    {0x26BD, 0x26BE},    // balls
    {0x26C4, 0x26C5},    // snowman, sun
    {0x26D4, 0x26D4},    // no entry
    {0x26EA, 0x26EA},    // church
    {0x26F2, 0x26F3},    // fountain, golf
    {0x26F5, 0x26F5},    // sailboat
    {0x26FA, 0x26FA},    // tent
    {0x26FD, 0x26FD},    // fuel pump
    {0x2705, 0x2705},    // check mark
    {0x270A, 0x270B},    // fists
    {0x2728, 0x2728},    // sparkles
    {0x274C, 0x274C},    // cross mark
    {0x274E, 0x274E},    // cross mark
    {0x2753, 0x2755},    // question marks
    {0x2757, 0x2757},    // exclamation mark
    {0x2795, 0x2797},    // plus, minus, division
    {0x27B0, 0x27B0},    // curly loop
    {0x27BF, 0x27BF},    // double curly loop
    {0x2B1B, 0x2B1C},    // large squares
    {0x2B50, 0x2B50},    // star
    {0x2B55, 0x2B55},    // circle
    {0x2E80, 0x303E},    // CJK radicals, Kangxi, CJK symbols and punctuation
    {0x3041, 0x33FF},    // kana, bopomofo, hangul compat, CJK compat
    {0x3400, 0x4DBF},    // CJK extension A
    {0x4E00, 0x9FFF},    // CJK unified ideographs
    {0xA000, 0xA4CF},    // Yi
    {0xA960, 0xA97F},    // Hangul Jamo extended A
    {0xAC00, 0xD7A3},    // Hangul syllables
    {0xF900, 0xFAFF},    // CJK compatibility ideographs
    {0xFE10, 0xFE19},    // vertical forms
    {0xFE30, 0xFE6F},    // CJK compatibility forms, small forms
    {0xFF00, 0xFF60},    // full-width forms
    {0xFFE0, 0xFFE6},    // full-width signs
    {0x16FE0, 0x16FE4},  // ideographic symbols
    {0x17000, 0x18CFF},  // Tangut
    {0x1B000, 0x1B2FF},  // kana supplement and extensions
    {0x1F004, 0x1F004},  // mahjong tile
    {0x1F0CF, 0x1F0CF},  // joker
    {0x1F18E, 0x1F18E},  // AB button
    {0x1F191, 0x1F19A},  // squared words
    {0x1F200, 0x1F2FF},  // enclosed ideographic supplement
    {0x1F300, 0x1F64F},  // pictographs, emoticons
    {0x1F680, 0x1F6FF},  // transport and map symbols
    {0x1F900, 0x1F9FF},  // supplemental symbols and pictographs
    {0x20000, 0x2FFFD},  // CJK extensions B-F, compatibility supplement
    {0x30000, 0x3FFFD},  // CJK extension G and later
};

template <std::size_t N>
bool InRanges(const Range (&ranges)[N], char32_t cp) {
  const Range* end = ranges + N;
  const Range* it = std::upper_bound(
      ranges, end, cp, [](char32_t c, const Range& r) { return c < r.first; });
  if (it == ranges) return false;
  --it;
  return cp <= it->last;
}

// Decodes the code point at text[*pos] and advances *pos past it. Invalid
// or truncated sequences yield U+FFFD and advance one byte.
char32_t NextCodePoint(absl::string_view text, std::size_t* pos) {
  const auto byte = [&](std::size_t i) {
    return static_cast<uint8_t>(text[i]);
  };
  const uint8_t b0 = byte(*pos);
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    ++*pos;
    return 0xFFFD;
  }
  if (*pos + len > text.size()) {
    ++*pos;
    return 0xFFFD;
  }
  for (int i = 1; i < len; ++i) {
    const uint8_t b = byte(*pos + i);
    if ((b & 0xC0) != 0x80) {
      ++*pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return 0xFFFD;
  }
  *pos += len;
  return cp;
}

constexpr absl::string_view kEllipsis = "\u2026";  // "…", one column

}  // namespace

int CodePointWidth(char32_t code_point) {
  if (code_point < 0x20 || (code_point >= 0x7F && code_point < 0xA0)) {
    return 0;
  }
  if (code_point < 0x300) return 1;  // fast path: ASCII and Latin-1
  if (InRanges(kZeroWidth, code_point)) return 0;
  if (InRanges(kWide, code_point)) return 2;
  return 1;
}

int DisplayWidth(absl::string_view text) {
  int width = 0;
  std::size_t pos = 0;
  while (pos < text.size()) width += CodePointWidth(NextCodePoint(text, &pos));
  return width;
}

std::string TruncateToWidth(absl::string_view text, int max_width) {
  if (max_width <= 0) return "";
  if (DisplayWidth(text) <= max_width) return std::string(text);
  const int budget = max_width - DisplayWidth(kEllipsis);
  int width = 0;
  std::size_t pos = 0;
  std::size_t cut = 0;
  while (pos < text.size()) {
    std::size_t next = pos;
    const int w = CodePointWidth(NextCodePoint(text, &next));
    if (width + w > budget) break;
    width += w;
    pos = next;
    cut = pos;
  }
  std::string out(text.substr(0, cut));
  out.append(kEllipsis.data(), kEllipsis.size());
  return out;
}

std::string PadRight(absl::string_view text, int width) {
  std::string out(text);
  const int pad = width - DisplayWidth(text);
  if (pad > 0) out.append(static_cast<std::size_t>(pad), ' ');
  return out;
}

std::string PadLeft(absl::string_view text, int width) {
  const int pad = width - DisplayWidth(text);
  std::string out;
  if (pad > 0) out.append(static_cast<std::size_t>(pad), ' ');
  out.append(text.data(), text.size());
  return out;
}

std::string OneLine(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)),
      max_widths_(headers_.size(), 0),
      right_aligned_(headers_.size(), false) {}

void Table::SetMaxWidth(std::size_t column, int width) {
  if (column < max_widths_.size()) max_widths_[column] = width;
}

void Table::SetRightAligned(std::size_t column) {
  if (column < right_aligned_.size()) right_aligned_[column] = true;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cells[i] = OneLine(cells[i]);
    if (max_widths_[i] > 0)
      cells[i] = TruncateToWidth(cells[i], max_widths_[i]);
  }
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  const std::size_t n = headers_.size();
  std::vector<int> widths(n, 0);
  for (std::size_t i = 0; i < n; ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < n; ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  const auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) line += "  ";
      if (right_aligned_[i]) {
        line += PadLeft(cells[i], widths[i]);
      } else if (i + 1 < n) {
        line += PadRight(cells[i], widths[i]);
      } else {
        line += cells[i];
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  render_line(headers_);
  for (const auto& row : rows_) render_line(row);
  return out;
}

}  // namespace duban::cli
