// Reading responsible-unit text into unit references
// (services/plan/unit_text.h).
#include "services/plan/unit_text.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban::plan {
namespace {

using ::duban::plan::v1::UnitRef;

// "name" co-responsible unit, "/L" lead, "/P" placeholder, "/G" group.
std::string Show(const ParsedUnits& p) {
  std::vector<std::string> out;
  for (const UnitRef& u : p.units) {
    std::string s = u.printed_name();
    if (u.role() == v1::LEAD) s += "/L";
    if (u.kind() == UnitRef::PLACEHOLDER) s += "/P";
    if (u.kind() == UnitRef::GROUP) s += "/G";
    out.push_back(s);
  }
  return absl::StrJoin(out, "、") + (p.open_ended ? " 等" : "");
}

std::string Parse(const std::string& text) {
  return Show(ParseResponsibleUnits(text));
}

TEST(ParseResponsibleUnitsTest, FirstListedUnitLeadsTheRestAreCoResponsible) {
  EXPECT_EQ(Parse("组宣部、秘书科、机关党委、教师工作科"),
            "组宣部/L、秘书科、机关党委、教师工作科");
}

TEST(ParseResponsibleUnitsTest, SplitsOnEveryListSeparatorAndWhitespace) {
  EXPECT_EQ(Parse("基教科，职教科,计财科；人事科;督导室"),
            "基教科/L、职教科、计财科、人事科、督导室");
  EXPECT_EQ(Parse("基教科 职教科\t计财科"), "基教科/L、职教科、计财科");
}

TEST(ParseResponsibleUnitsTest, StripsTrailingFullStopAndEnclosingBrackets) {
  EXPECT_EQ(Parse("政法处、财建处、教育督导处。"),
            "政法处/L、财建处、教育督导处");
  EXPECT_EQ(Parse("（组宣部、秘书科）"), "组宣部/L、秘书科");
  EXPECT_EQ(Parse("(组宣部,秘书科)."), "组宣部/L、秘书科");
}

TEST(ParseResponsibleUnitsTest, TrailingDengMakesTheListOpenEnded) {
  EXPECT_EQ(Parse("办公室、机关党委、老干处等"),
            "办公室/L、机关党委、老干处 等");
  EXPECT_EQ(Parse("基教科、职教科等相关科室"), "基教科/L、职教科 等");
  EXPECT_FALSE(ParseResponsibleUnits("办公室、老干处").open_ended);
}

TEST(ParseResponsibleUnitsTest, PlaceholdersAreKindedAndNeverTheDefaultLead) {
  EXPECT_EQ(Parse("秘书处、相关处室"), "秘书处/L、相关处室/P");
  EXPECT_EQ(Parse("各科室站"), "各科室站/P");
  EXPECT_EQ(Parse("相关科室站、法宣科"), "相关科室站/P、法宣科/L");
  EXPECT_EQ(Parse("有关单位"), "有关单位/P");
  EXPECT_EQ(Parse("各处室"), "各处室/P");
}

TEST(ParseResponsibleUnitsTest, GroupsOfDepartmentsAreKindedGroup) {
  EXPECT_EQ(Parse("体卫艺处、厅新冠肺炎疫情防控领导小组成员处室"),
            "体卫艺处/L、厅新冠肺炎疫情防控领导小组成员处室/G");
  EXPECT_EQ(Parse("厅扶贫领导小组成员处室"), "厅扶贫领导小组成员处室/L/G");
  EXPECT_EQ(Parse("市教育工作领导小组"), "市教育工作领导小组/L/G");
}

TEST(ParseResponsibleUnitsTest, ProseMarksLeadsAndCoResponsibleUnits) {
  EXPECT_EQ(Parse("A处、B处牵头，C处按职责分工负责"), "A处/L、B处/L、C处");
  EXPECT_EQ(Parse("安全科负责，基教科、职成科配合"),
            "安全科/L、基教科、职成科");
  EXPECT_EQ(Parse("由资助中心牵头，计财科协助"), "资助中心/L、计财科");
  EXPECT_EQ(Parse("法规科会同办公室、督导室"), "法规科/L、办公室、督导室");
  // A lead named second: the first listed is then co-responsible.
  EXPECT_EQ(Parse("计财科、审计科参与，人事科牵头"),
            "计财科、审计科、人事科/L");
}

TEST(ParseResponsibleUnitsTest, LabelsInsideTheTextGiveRoles) {
  EXPECT_EQ(Parse("牵头单位：体卫艺科；配合单位：基教科、计财科"),
            "体卫艺科/L、基教科、计财科");
  EXPECT_EQ(Parse("配合单位:基教科;牵头单位:体卫艺科"), "基教科、体卫艺科/L");
  // A time limit inside is not a unit.
  EXPECT_EQ(Parse("责任单位：督导室，完成时限：9月底前"), "督导室/L");
}

TEST(ParseResponsibleUnitsTest, KeepsTraditionalCharactersAsPrinted) {
  EXPECT_EQ(Parse("機關黨委、辦公室、相關處室等"),
            "機關黨委/L、辦公室、相關處室/P 等");
  EXPECT_EQ(Parse("體衛藝處牽頭，基教處配合"), "體衛藝處/L、基教處");
}

TEST(ParseResponsibleUnitsTest, EmptyOrUnreadableTextGivesNoUnits) {
  EXPECT_EQ(Parse(""), "");
  EXPECT_EQ(Parse("。"), "");
  EXPECT_EQ(Parse("\xC3\x28"), "");
}

TEST(LooksLikeUnitTextTest, AcceptsUnitListsAndLabels) {
  EXPECT_TRUE(LooksLikeUnitText("组宣部、秘书科"));
  EXPECT_TRUE(LooksLikeUnitText("责任单位：规划科、计财科"));
  EXPECT_TRUE(LooksLikeUnitText("责任科室：基教科、民办科等"));
  EXPECT_TRUE(LooksLikeUnitText("A处、B处牵头，C处按职责分工负责"));
  EXPECT_TRUE(LooksLikeUnitText("各科室站"));
  EXPECT_TRUE(LooksLikeUnitText("教育考试院（招生办）、基教科"));
}

TEST(LooksLikeUnitTextTest, RejectsYearsCountsAndWordsThatAreNoUnits) {
  EXPECT_FALSE(LooksLikeUnitText("2019-2022年"));
  EXPECT_FALSE(LooksLikeUnitText("其中省实事园 43 所、自建园 21 所"));
  EXPECT_FALSE(LooksLikeUnitText("联盟"));
  EXPECT_FALSE(LooksLikeUnitText("院"));
  EXPECT_FALSE(LooksLikeUnitText("试行"));
  EXPECT_FALSE(LooksLikeUnitText("街道"));
  EXPECT_FALSE(LooksLikeUnitText("湘教发〔2021〕3号"));
  EXPECT_FALSE(LooksLikeUnitText("“三帮一”"));
  EXPECT_FALSE(LooksLikeUnitText(""));
}

TEST(UnitListBuilderTest, LeadOnOneLineMakesUnitsOnAnotherCoResponsible) {
  UnitListBuilder b;
  b.Add(Text::FromUtf8("信息中心、装备站"), UnitRoleHint::kDefault);
  b.Add(Text::FromUtf8("人事科"), UnitRoleHint::kLead);
  EXPECT_EQ(Show(b.Finish()), "信息中心、装备站、人事科/L");
}

}  // namespace
}  // namespace duban::plan
