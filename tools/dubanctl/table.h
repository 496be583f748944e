// Column layout for dubanctl's human output. Plan text mixes Chinese, which a
// terminal draws two columns wide, with Latin text and digits, which take
// one; aligning it needs the display width of each cell, not its byte or
// code-point count.
#ifndef DUBAN_TOOLS_DUBANCTL_TABLE_H_
#define DUBAN_TOOLS_DUBANCTL_TABLE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace duban::cli {

// Columns a terminal uses for one code point: 2 for East Asian Wide and
// Fullwidth characters (CJK ideographs, kana, hangul, CJK punctuation such
// as "，。、（）", full-width forms, common emoji), 0 for combining marks,
// zero-width characters and control characters, 1 otherwise. Ambiguous
// characters (…, “”, ·) count 1, as in most terminals outside CJK locales.
int CodePointWidth(char32_t code_point);

// Display width of UTF-8 text. A byte that does not start a valid UTF-8
// sequence counts as one column.
int DisplayWidth(absl::string_view text);

// `text` when its display width is at most `max_width`; otherwise its
// longest prefix that, followed by "…", fits in `max_width` columns. A wide
// character is never split. Empty when max_width <= 0.
std::string TruncateToWidth(absl::string_view text, int max_width);

// `text` followed by spaces up to `width` columns (unchanged when wider).
std::string PadRight(absl::string_view text, int width);
// Spaces up to `width` columns followed by `text` (for numbers).
std::string PadLeft(absl::string_view text, int width);

// Replaces control characters (newlines, tabs) with spaces, so that a cell
// stays on one line.
std::string OneLine(absl::string_view text);

// A table printed as aligned columns separated by two spaces, header first.
// Cells are made one-line; a column given a maximum width has longer cells
// truncated with "…". The last column is not padded, and no line ends in
// spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Caps column `column` at `width` display columns (0: no cap).
  void SetMaxWidth(std::size_t column, int width);
  // Right-aligns column `column` (numbers).
  void SetRightAligned(std::size_t column);
  // Adds a row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  std::size_t row_count() const { return rows_.size(); }

  // The table as text, each line ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<int> max_widths_;
  std::vector<bool> right_aligned_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_TABLE_H_
