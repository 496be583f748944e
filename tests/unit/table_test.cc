// dubanctl's column layout: display widths of mixed Chinese/Latin text,
// truncation with "…" and table alignment.
#include "tools/dubanctl/table.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban::cli {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  EXPECT_EQ(lines.back(), "") << "output must end in a newline";
  lines.pop_back();
  return lines;
}

TEST(CodePointWidthTest, CjkIdeographsAndPunctuationAreTwoColumns) {
  EXPECT_EQ(CodePointWidth(U'教'), 2);
  EXPECT_EQ(CodePointWidth(U'〔'), 2);  // CJK symbols and punctuation
  EXPECT_EQ(CodePointWidth(U'。'), 2);
  EXPECT_EQ(CodePointWidth(U'、'), 2);
  EXPECT_EQ(CodePointWidth(U'\u3000'), 2);  // ideographic space
  EXPECT_EQ(CodePointWidth(U'𠀋'), 2);      // CJK extension B (4-byte UTF-8)
  EXPECT_EQ(CodePointWidth(U'가'), 2);      // hangul
  EXPECT_EQ(CodePointWidth(U'カ'), 2);      // katakana
}

TEST(CodePointWidthTest, FullWidthFormsAreTwoColumns) {
  EXPECT_EQ(CodePointWidth(U'（'), 2);
  EXPECT_EQ(CodePointWidth(U'，'), 2);
  EXPECT_EQ(CodePointWidth(U'：'), 2);
  EXPECT_EQ(CodePointWidth(U'Ａ'), 2);
  EXPECT_EQ(CodePointWidth(U'１'), 2);
  EXPECT_EQ(CodePointWidth(U'￥'), 2);
}

TEST(CodePointWidthTest, LatinDigitsAndAmbiguousAreOneColumn) {
  EXPECT_EQ(CodePointWidth(U'a'), 1);
  EXPECT_EQ(CodePointWidth(U'%'), 1);
  EXPECT_EQ(CodePointWidth(U'é'), 1);
  EXPECT_EQ(CodePointWidth(U'…'), 1);
  EXPECT_EQ(CodePointWidth(U'“'), 1);
  EXPECT_EQ(CodePointWidth(U'·'), 1);
  EXPECT_EQ(CodePointWidth(U'\uFF61'), 1);  // half-width katakana full stop
}

TEST(CodePointWidthTest, CombiningMarksAndControlsAreZeroColumns) {
  EXPECT_EQ(CodePointWidth(U'\u0301'), 0);  // combining acute accent
  EXPECT_EQ(CodePointWidth(U'\u20DD'), 0);  // combining enclosing circle
  EXPECT_EQ(CodePointWidth(U'\u3099'), 0);  // combining kana voiced mark
  EXPECT_EQ(CodePointWidth(U'\u200B'), 0);  // zero-width space
  EXPECT_EQ(CodePointWidth(U'\uFE0F'), 0);  // variation selector
  EXPECT_EQ(CodePointWidth(U'\n'), 0);
  EXPECT_EQ(CodePointWidth(U'\x7F'), 0);
}

TEST(DisplayWidthTest, MixedTextFromThePlans) {
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("基教科"), 6);
  EXPECT_EQ(DisplayWidth("益教发〔2020〕2号"), 2 * 4 + 2 * 2 + 5);
  EXPECT_EQ(DisplayWidth("实现建设合格率 100%。"), 7 * 2 + 1 + 4 + 2);
  EXPECT_EQ(DisplayWidth("（组宣部、秘书科）"), 9 * 2);
}

TEST(DisplayWidthTest, CombiningSequenceTakesTheWidthOfItsBase) {
  EXPECT_EQ(DisplayWidth("e\u0301"), 1);
}

TEST(DisplayWidthTest, InvalidUtf8CountsOneColumnPerByte) {
  EXPECT_EQ(DisplayWidth("\xff"), 1);
  EXPECT_EQ(DisplayWidth("a\xe5\x9f"), 3);     // truncated 3-byte sequence
  EXPECT_EQ(DisplayWidth("\xc0\x80"), 2);      // overlong NUL
  EXPECT_EQ(DisplayWidth("\xed\xa0\x80"), 3);  // UTF-16 surrogate
}

TEST(TruncateToWidthTest, ShortTextIsUnchanged) {
  EXPECT_EQ(TruncateToWidth("基教科", 6), "基教科");
  EXPECT_EQ(TruncateToWidth("abc", 10), "abc");
}

TEST(TruncateToWidthTest, LongTextEndsInEllipsisWithinTheWidth) {
  EXPECT_EQ(TruncateToWidth("abcdef", 4), "abc…");
  EXPECT_EQ(TruncateToWidth("持续深化思想政治建设", 9), "持续深化…");
  EXPECT_EQ(DisplayWidth(TruncateToWidth("持续深化思想政治建设", 9)), 9);
}

TEST(TruncateToWidthTest, NeverSplitsAWideCharacter) {
  // 8 columns leave 7 before "…": three ideographs (6), not three and a half.
  const std::string cut = TruncateToWidth("持续深化思想政治建设", 8);
  EXPECT_EQ(cut, "持续深…");
  EXPECT_EQ(DisplayWidth(cut), 7);
}

TEST(TruncateToWidthTest, KeepsCombiningMarksWithTheirBase) {
  EXPECT_EQ(TruncateToWidth("e\u0301e\u0301e\u0301", 2), "e\u0301…");
}

TEST(TruncateToWidthTest, TinyWidths) {
  EXPECT_EQ(TruncateToWidth("基教科", 0), "");
  EXPECT_EQ(TruncateToWidth("基教科", -3), "");
  EXPECT_EQ(TruncateToWidth("基教科", 1), "…");
  EXPECT_EQ(TruncateToWidth("基教科", 2), "…");
  EXPECT_EQ(TruncateToWidth("基教科", 3), "基…");
}

TEST(PadTest, PadsByDisplayWidth) {
  EXPECT_EQ(PadRight("基教科", 8), "基教科  ");
  EXPECT_EQ(PadRight("abc", 8), "abc     ");
  EXPECT_EQ(PadRight("基教科", 4), "基教科");
  EXPECT_EQ(PadLeft("42", 4), "  42");
  EXPECT_EQ(PadLeft("三", 4), "  三");
}

TEST(OneLineTest, ControlCharactersBecomeSpaces) {
  EXPECT_EQ(OneLine("a\nb\tc\r"), "a b c ");
  EXPECT_EQ(OneLine("基教科"), "基教科");
}

TEST(TableTest, AlignsChineseAndLatinColumnsByDisplayWidth) {
  Table table({"ITEM", "UNITS", "TITLE"});
  table.AddRow({"1", "组宣部、秘书科", "持续深化思想政治建设"});
  table.AddRow({"12", "基教科", "Latin text"});
  table.AddRow({"general", "", "x"});
  EXPECT_THAT(Lines(table.Render()),
              ElementsAre("ITEM     UNITS           TITLE",
                          "1        组宣部、秘书科  持续深化思想政治建设",
                          "12       基教科          Latin text",
                          "general                  x"));
}

TEST(TableTest, EveryColumnStartsAtTheSameDisplayColumn) {
  Table table({"A", "B", "C"});
  table.AddRow({"基教科", "（一）", "x"});
  table.AddRow({"ab", "2", "y"});
  table.AddRow({"Ａ１", "ｂ", "z"});
  for (const std::string& line : Lines(table.Render())) {
    // "C" / x / y / z sits at the same display column on every line.
    const std::size_t last = line.rfind("  ");
    ASSERT_NE(last, std::string::npos) << line;
    EXPECT_EQ(DisplayWidth(line.substr(0, last + 2)), 6 + 2 + 6 + 2) << line;
  }
}

TEST(TableTest, TruncatesCappedColumnsAndLeavesNoTrailingSpaces) {
  Table table({"ID", "TITLE", "NOTE"});
  table.SetMaxWidth(1, 9);
  table.AddRow({"1", "持续深化思想政治建设", ""});
  table.AddRow({"2", "短", ""});
  EXPECT_THAT(Lines(table.Render()),
              ElementsAre("ID  TITLE      NOTE", "1   持续深化…", "2   短"));
}

TEST(TableTest, RightAlignedColumnAndMissingCells) {
  Table table({"SECTION", "ITEMS", "TITLE"});
  table.SetRightAligned(1);
  table.AddRow({"1", "6", "提高政治站位"});
  table.AddRow({"10", "12"});
  table.AddRow({"3", "1", "x", "dropped"});
  EXPECT_THAT(
      Lines(table.Render()),
      ElementsAre("SECTION  ITEMS  TITLE", "1            6  提高政治站位",
                  "10          12", "3            1  x"));
  EXPECT_EQ(table.row_count(), 3u);
}

TEST(TableTest, MultiLineCellsStayOnOneLine) {
  Table table({"A", "B"});
  table.AddRow({"x\ny", "z"});
  EXPECT_THAT(Lines(table.Render()), ElementsAre("A    B", "x y  z"));
}

TEST(TableTest, HeaderOnlyTable) {
  Table table({"PLAN", "STATE"});
  EXPECT_EQ(table.Render(), "PLAN  STATE\n");
}

}  // namespace
}  // namespace duban::cli
