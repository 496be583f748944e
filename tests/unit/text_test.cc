// Text primitives of the importer (services/plan/text.h).
#include "services/plan/text.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban::plan {
namespace {

TEST(Utf8Test, RoundTripsChineseText) {
  std::string s = "益阳市教育局〔2020〕2号 5G and ％";
  EXPECT_EQ(EncodeUtf8(DecodeUtf8(s)), s);
  EXPECT_EQ(Utf8Size(DecodeUtf8(s)), s.size());
  EXPECT_EQ(FindInvalidUtf8(s), kNpos);
}

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("中\xE4\xB8"), 3u);        // truncated
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);     // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // beyond U+10FFFF
}

TEST(NormalizeTest, MapsFullWidthAndTraditionalFormsOneToOne) {
  Text t = Text::FromUtf8("責任單位：（１２）牽頭，年內　目標任務");
  EXPECT_EQ(t.raw.size(), t.norm.size());
  EXPECT_EQ(EncodeUtf8(t.norm), "责任单位:(12)牵头,年内 目标任务");
  EXPECT_EQ(t.Utf8(), "責任單位：（１２）牽頭，年內　目標任務");
  EXPECT_EQ(EncodeUtf8(Normalize(U"﹝2020﹞")), "〔2020〕");
}

TEST(ChineseNumberTest, ReadsOneToNinetyNine) {
  EXPECT_EQ(ChineseNumberValue(U"一"), 1);
  EXPECT_EQ(ChineseNumberValue(U"十"), 10);
  EXPECT_EQ(ChineseNumberValue(U"十一"), 11);
  EXPECT_EQ(ChineseNumberValue(U"二十"), 20);
  EXPECT_EQ(ChineseNumberValue(U"三十一"), 31);
  EXPECT_EQ(ChineseNumberValue(U"一十"), -1);
  EXPECT_EQ(ChineseNumberValue(U"十四五"), -1);
  EXPECT_EQ(ChineseNumberValue(U"批"), -1);
}

TEST(SentenceTest, FullStopsAreNotDecimalPoints) {
  std::u32string s = U"推进 2.0 计划.完成";
  EXPECT_FALSE(IsFullStop(s, 4));
  EXPECT_TRUE(IsFullStop(s, 9));
}

TEST(SplitSentencesTest, SplitsOutsideQuotesAndBracketsOnly) {
  std::vector<Text> parts = SplitSentences(Text::FromUtf8(
      "落实“一单式。制度”；开展《条例；宣传》。完成（其中；A）任务！再议"));
  std::vector<std::string> out;
  for (const Text& p : parts) out.push_back(p.Utf8());
  EXPECT_THAT(out, ::testing::ElementsAre("落实“一单式。制度”；",
                                          "开展《条例；宣传》。",
                                          "完成（其中；A）任务！", "再议"));
}

}  // namespace
}  // namespace duban::plan
