// Quantitative targets found in item text (services/plan/indicators.h).
#include "services/plan/indicators.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban::plan {
namespace {

using ::duban::plan::v1::Indicator;
using ::testing::IsEmpty;

std::vector<std::string> Texts(const std::vector<Indicator>& v) {
  std::vector<std::string> out;
  for (const Indicator& i : v) out.push_back(i.text());
  return out;
}

TEST(FindIndicatorsTest, ReadsCountsPercentagesAndMoney) {
  auto v = FindIndicators(
      "完成 69 所学校，覆盖率达到 80%，拨款提高至1000元，培训 320名教师。");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_DOUBLE_EQ(v[0].value(), 69);
  EXPECT_EQ(v[0].unit(), "所");
  EXPECT_EQ(v[1].unit(), "%");
  EXPECT_DOUBLE_EQ(v[2].value(), 1000);
  EXPECT_EQ(v[2].unit(), "元");
  EXPECT_EQ(v[3].unit(), "名");
  EXPECT_EQ(v[0].id(), "i1");
  EXPECT_EQ(v[3].id(), "i4");
}

TEST(FindIndicatorsTest, AppliesWanAndYiMultipliersAndKeepsThemInTheUnit) {
  auto v = FindIndicators(
      "增加公办幼儿园学位 25 万个，投入 1.5 亿元，招生 1.3 万人以上。");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_DOUBLE_EQ(v[0].value(), 250000);
  EXPECT_EQ(v[0].unit(), "万个");
  EXPECT_EQ(v[0].text(), "25 万个");
  EXPECT_DOUBLE_EQ(v[1].value(), 150000000);
  EXPECT_EQ(v[1].unit(), "亿元");
  EXPECT_DOUBLE_EQ(v[2].value(), 13000);
  EXPECT_EQ(v[2].direction(), v1::AT_LEAST);
}

TEST(FindIndicatorsTest, ReadsDirectionFromLimitWordsAndVerbs) {
  auto v = FindIndicators(
      "大班额控制在 5%以内，比例降至15%以下，入学率达到95%以上，"
      "消除大班额 271 个，超大班额 30 个全部清零，新建学校 37 所。");
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].direction(), v1::AT_MOST);
  EXPECT_EQ(v[0].text(), "5%以内");
  EXPECT_EQ(v[1].direction(), v1::AT_MOST);
  EXPECT_EQ(v[2].direction(), v1::AT_LEAST);
  EXPECT_EQ(v[3].direction(), v1::TO_ZERO);
  EXPECT_EQ(v[4].direction(), v1::TO_ZERO);
  EXPECT_EQ(v[5].direction(), v1::AT_LEAST);
}

TEST(FindIndicatorsTest, ReadsBreakdownAsPartsNotAsIndicators) {
  auto v = FindIndicators(
      "年内完成 64 所农村公办幼儿园改扩建（其中省实事园 43 所、自建园 21 "
      "所），推动完成 19 个乡镇建设。");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_DOUBLE_EQ(v[0].value(), 64);
  ASSERT_EQ(v[0].parts_size(), 2);
  EXPECT_EQ(v[0].parts(0).label(), "省实事园");
  EXPECT_DOUBLE_EQ(v[0].parts(0).value(), 43);
  EXPECT_EQ(v[0].parts(0).unit(), "所");
  EXPECT_EQ(v[0].parts(1).label(), "自建园");
  EXPECT_DOUBLE_EQ(v[0].parts(1).value(), 21);
  EXPECT_EQ(v[0].subject(), "农村公办幼儿园改扩建");
  EXPECT_DOUBLE_EQ(v[1].value(), 19);

  auto w = FindIndicators("新建学校 10 所，其中小学 6 所、初中 4 所。");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].parts_size(), 2);
}

TEST(FindIndicatorsTest, IgnoresYearsDatesVersionsCodesOrdinalsAndDurations) {
  EXPECT_THAT(
      Texts(FindIndicators(
          "2020 年推进教育信息化 2.0，探索 5G 应用，扩大 1+X 证书试点，"
          "编制“十四五”规划，落实（2017—2020 年）计划和 2020-2025 年规划，"
          "组织第 2 批遴选，3 "
          "个月内完成，10月底前上报，依据益教发〔2020〕2号文件，"
          "落实《关于建设 100 所示范校的意见》，国培 10 年总结。")),
      IsEmpty());
}

TEST(FindIndicatorsTest, OffsetsAreUtf8ByteOffsetsIntoTheBody) {
  std::string body = "确保公办幼儿园在园幼儿占比达到 50%，覆盖率达到 80%。";
  auto v = FindIndicators(body);
  ASSERT_EQ(v.size(), 2u);
  for (const Indicator& i : v) {
    EXPECT_EQ(body.substr(i.offset(), i.text().size()), i.text());
  }
  EXPECT_EQ(v[0].subject(), "公办幼儿园在园幼儿占比");
}

TEST(FindIndicatorsTest, ReadsFullWidthDigitsAndTraditionalMeasureWords) {
  auto v = FindIndicators("新建學校 １２ 所，學位 3 萬個，達到 90％。");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_DOUBLE_EQ(v[0].value(), 12);
  EXPECT_EQ(v[1].unit(), "萬個");
  EXPECT_DOUBLE_EQ(v[1].value(), 30000);
  EXPECT_EQ(v[2].unit(), "%");
}

}  // namespace
}  // namespace duban::plan
