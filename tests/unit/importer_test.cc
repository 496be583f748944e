// The plan document importer on the two seed documents (every item checked
// against tables written out by hand from the printed documents), on crafted
// documents for each other layout (tests/testdata/formats/), and on
// malformed input.
#include "services/plan/importer.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/testdata.h"

namespace duban::plan {
namespace {

using ::duban::plan::v1::Indicator;
using ::duban::plan::v1::Item;
using ::duban::plan::v1::UnitRef;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

ParsedPlan MustParse(const std::string& content,
                     const std::string& plan_name = "plans/test") {
  ImportOptions options;
  options.plan_name = plan_name;
  absl::StatusOr<ParsedPlan> parsed = ParsePlanDocument(content, options);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return ParsedPlan();
  return *std::move(parsed);
}

ParsedPlan ParseFile(const std::string& name) {
  return MustParse(ReadTestdata(name));
}

// Units in a compact form: "name" is a co-responsible unit, "/L" marks the
// lead, "/P" a placeholder, "/G" a group; joined with 、.
std::string Units(const Item& item) {
  std::vector<std::string> out;
  for (const UnitRef& u : item.units()) {
    std::string s = u.printed_name();
    if (u.role() == v1::LEAD) s += "/L";
    if (u.kind() == UnitRef::PLACEHOLDER) s += "/P";
    if (u.kind() == UnitRef::GROUP) s += "/G";
    out.push_back(s);
  }
  return absl::StrJoin(out, "、");
}

std::vector<std::string> WarningCodes(const ParsedPlan& p) {
  std::vector<std::string> out;
  for (const auto& w : p.warnings) {
    out.push_back(absl::StrCat(w.line(), ":", w.code()));
  }
  return out;
}

const Item* FindItem(const ParsedPlan& p, const std::string& number) {
  for (const Item& item : p.items) {
    if (item.number() == number) return &item;
  }
  return nullptr;
}

const Indicator* FindIndicator(const Item& item, const std::string& text) {
  for (const Indicator& ind : item.indicators()) {
    if (ind.text() == text) return &ind;
  }
  return nullptr;
}

struct ExpectedItem {
  const char* number;
  const char* section;
  const char* title;
  const char* units;
  bool open_ended;
};

void ExpectItems(const ParsedPlan& p,
                 const std::vector<ExpectedItem>& expected) {
  std::vector<const Item*> numbered;
  for (const Item& item : p.items) {
    if (item.kind() == Item::NUMBERED) numbered.push_back(&item);
  }
  ASSERT_EQ(numbered.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const Item& item = *numbered[k];
    const ExpectedItem& e = expected[k];
    SCOPED_TRACE(absl::StrCat("item ", e.number));
    EXPECT_EQ(item.number(), e.number);
    EXPECT_EQ(item.section_id(), e.section);
    EXPECT_EQ(item.title(), e.title);
    EXPECT_EQ(Units(item), e.units);
    EXPECT_EQ(item.units_open_ended(), e.open_ended);
  }
}

// ---------------------------------------------------------------------------
// hunan-education-2020: a provincial plan with labelled items.

class HunanSeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    plan_ = new ParsedPlan(ParseFile("hunan-education-2020.txt"));
  }
  static void TearDownTestSuite() { delete plan_; }
  static ParsedPlan* plan_;
};
ParsedPlan* HunanSeedTest::plan_ = nullptr;

TEST_F(HunanSeedTest, ReadsHeaderWithoutDocumentNumber) {
  const auto& plan = plan_->plan;
  EXPECT_EQ(plan.name(), "plans/test");
  EXPECT_EQ(plan.title(), "湖南省教育厅 中共湖南省委教育工委 2020 年工作要点");
  EXPECT_THAT(plan.issuing_authorities(),
              ElementsAre("湖南省教育厅", "中共湖南省委教育工作委员会"));
  EXPECT_EQ(plan.organization(), "湖南省教育厅");
  EXPECT_EQ(plan.document_number(), "");
  EXPECT_EQ(plan.notice_title(),
            "印发《湖南省教育厅 中共湖南省委教育工委 2020年工作要点》的通知");
  EXPECT_THAT(plan.recipients(),
              ElementsAre("各市州教育（体）局", "普通高等学校",
                          "厅委机关各处室", "驻厅纪检监察组", "直属各单位"));
  EXPECT_EQ(plan.issue_date().year(), 2020);
  EXPECT_EQ(plan.issue_date().month(), 3);
  EXPECT_EQ(plan.issue_date().day(), 6);
  EXPECT_EQ(plan.year(), 2020);
  EXPECT_EQ(plan.state(), v1::Plan::DRAFT);
  EXPECT_THAT(plan.general_requirements(),
              StartsWith("2020 年全省教育工作的总体要求是：坚持以习近平"));
  EXPECT_THAT(plan.general_requirements(), HasSubstr("做出积极贡献。"));
}

TEST_F(HunanSeedTest, ReadsEightSectionsInPrintedOrder) {
  const auto& s = plan_->plan.sections();
  ASSERT_EQ(s.size(), 8);
  const char* titles[] = {
      "加强党对教育工作的全面领导",
      "夯实教育发展基础",
      "培养德智体美劳全面发展的社会主义建设者和接班人",
      "打赢打好教育脱贫攻坚战",
      "全面提高基础教育质量",
      "提升服务高质量发展能力",
      "加强教师队伍建设",
      "推进教育体制机制改革创新",
  };
  const char* labels[] = {"一", "二", "三", "四", "五", "六", "七", "八"};
  const int lines[] = {19, 57, 97, 129, 149, 197, 265, 295};
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(s[k].id(), absl::StrCat(k + 1));
    EXPECT_EQ(s[k].label(), labels[k]);
    EXPECT_EQ(s[k].title(), titles[k]);
    EXPECT_EQ(s[k].parent_id(), "");
    EXPECT_EQ(s[k].source_line(), lines[k]);
  }
}

TEST_F(HunanSeedTest, ReadsEveryItemNumberTitleSectionAndUnits) {
  ExpectItems(
      *plan_,
      {
          {"1", "1", "进一步健全党对教育工作全面领导的体制机制",
           "秘书处/L、相关处室/P", false},
          {"2", "1", "深入学习贯彻党的十九届四中全会精神",
           "机关党委/"
           "L、办公室、工委宣传部、工委组织部、规划处、工委巡察办、教科院",
           false},
          {"3", "1", "把党的领导贯穿办学治校、教书育人全过程",
           "工委组织部/L、基教处、职成处、民办处、办公室", false},
          {"4", "1", "纵深推进教育系统全面从严治党",
           "驻厅纪检监察组/L、工委巡察办、工委宣传部、办公室、人事处、财建处",
           true},
          {"5", "2", "编制全省教育事业发展“十四五”规划", "规划处/L、相关处室/P",
           false},
          {"6", "2", "完善教育经费投入保障机制", "财建处/L", false},
          {"7", "2", "加强教育督导评估考核", "教育督导处/L", false},
          {"8", "2", "确保学校安全稳定",
           "维稳办/L、科技处、基教处、学生处、高教处、职成处、考试院", false},
          {"9", "3", "增强思想政治教育的针对性实效性",
           "工委宣传部/L、基教处、职成处、高教处、研究生处", false},
          {"10", "3", "完善促进学生身心健康发展的体制机制",
           "体卫艺处/L、基教处、职成处、工委宣传部", false},
          {"11", "3", "打赢新冠肺炎疫情防控阻击战",
           "体卫艺处/L、厅新冠肺炎疫情防控领导小组成员处室/G", false},
          {"12", "4", "按时保质全面完成教育脱贫攻坚任务",
           "民教处/L、规划处、厅扶贫领导小组成员处室/G", false},
          {"13", "4", "推进民族教育加快发展",
           "民教处/L、人事处、教师处、财建处", false},
          {"14", "5", "扩大普惠性学前教育资源供给",
           "基教处/L、财建处、人事处、民办处、教师处", false},
          {"15", "5", "推动城乡义务教育一体化发展",
           "基教处/L、财建处、教师处、规划处、民教处、教育督导处", false},
          {"16", "5", "推进普通高中事业加快发展",
           "基教处/L、财建处、人事处、教师处、教育督导处", false},
          {"17", "5", "提升特殊教育发展水平",
           "基教处/L、财建处、人事处、教师处", false},
          {"18", "5", "提升基础教育教学质量", "基教处/L、教师处、教科院",
           false},
          {"19", "6", "加快建设职业教育改革发展高地",
           "职成处/L、财建处、规划处、教师处", false},
          {"20", "6", "推动高等教育内涵发展", "高教处/L、科技处、研究生处",
           false},
          {"21", "6", "提升高校自主创新和科技成果转化能力",
           "科技处/L、高教处、人事处、教科院", false},
          {"22", "6", "推进岳麓山大学科技城建设", "科技处/L、高教处、研究生处",
           false},
          {"23", "6", "推动继续教育规范发展", "职成处/L、高教处", false},
          {"24", "6", "促进高校毕业生就业创业",
           "学生处/L、高教处、就业指导中心", false},
          {"25", "6", "加快教育对外开放", "国交处/L、科技处", false},
          {"26", "7", "完善师德师风建设长效机制", "教师处/L", false},
          {"27", "7", "提升教师队伍整体素质",
           "教师处/L、基教处、高教处、职成处、研究生处", false},
          {"28", "7", "深化教师管理改革", "教师处/L、人事处", false},
          {"29", "8", "积极稳妥推进高考综合改革",
           "学生处/L、基教处、高教处、民教处、规划处、教育考试院", false},
          {"30", "8", "推动以法治思维和法治方法提升教育治理能力",
           "政法处/L、财建处、教育督导处", false},
          {"31", "8", "持续推进“放管服”改革", "政法处/L、办公室、人事处",
           false},
          {"32", "8", "规范民办教育发展", "民办处/L、基教处、高教处、职成处",
           false},
          {"33", "8", "推进教育信息化 2.0 试点省建设",
           "规划处/L、基教处、教师处", false},
      });
}

TEST_F(HunanSeedTest, EveryNumberedItemHasTargetMeasuresAndUnits) {
  for (const Item& item : plan_->items) {
    if (item.kind() != Item::NUMBERED) continue;
    SCOPED_TRACE(item.number());
    EXPECT_FALSE(item.target().empty());
    EXPECT_FALSE(item.measures_text().empty());
    EXPECT_GT(item.measures_size(), 0);
    EXPECT_FALSE(item.responsible_units_text().empty());
    // The labels are not part of the texts they introduce.
    EXPECT_THAT(item.target(), ::testing::Not(StartsWith("目标任务")));
    EXPECT_THAT(item.measures_text(), ::testing::Not(HasSubstr("工作措施：")));
  }
  const Item* first = FindItem(*plan_, "1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->target(),
            "党对教育工作全面领导的体制机制进一步健全，作用进一步发挥。");
  EXPECT_EQ(first->responsible_units_text(), "秘书处、相关处室");
  EXPECT_THAT(
      first->measures(),
      ElementsAre(
          "精心筹备省委教育工作领导小组会议，研究审议教育工作议题；",
          "协调落实领导小组组长有关专题调研活动，调度和推动有关教育工作。",
          "加强对市州、县市区党委教育工作领导小组秘书组工作指导，进一步形成工作"
          "合力。",
          "深化督查督办，确保省委省政府教育决策部署落实落地。"));
}

TEST_F(HunanSeedTest, ClosingParagraphIsGeneralItemWithOpenEndedUnits) {
  ASSERT_EQ(plan_->items.size(), 34u);
  const Item& general = plan_->items.back();
  EXPECT_EQ(general.kind(), Item::GENERAL);
  EXPECT_EQ(general.name(), "plans/test/items/general");
  EXPECT_EQ(general.ordinal(), 34);
  EXPECT_EQ(general.source_line(), 339);
  EXPECT_THAT(general.title(),
              StartsWith("在完成上述工作的同时，扎实做好请示报告"));
  EXPECT_EQ(Units(general), "办公室/L、机关党委、老干处");
  EXPECT_TRUE(general.units_open_ended());
  EXPECT_EQ(general.responsible_units_text(), "办公室、机关党委、老干处等");
  EXPECT_THAT(plan_->plan.general_item_ids(), ElementsAre("general"));
  EXPECT_EQ(plan_->plan.item_count(), 34);
}

TEST_F(HunanSeedTest, StripsTrailingFullStopFromLastUnitButKeepsItInText) {
  const Item* item = FindItem(*plan_, "30");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->units(2).printed_name(), "教育督导处");
  EXPECT_EQ(item->responsible_units_text(), "政法处、财建处、教育督导处。");
}

TEST_F(HunanSeedTest, RejoinsSentencesBrokenAcrossPageBreaks) {
  EXPECT_THAT(FindItem(*plan_, "3")->measures_text(),
              HasSubstr("贯彻落实教育部《关于加强高校党的政治建设的若干措施》，"
                        "协助省委组织部对省属高校"));
  EXPECT_EQ(FindItem(*plan_, "6")->target(),
            "巩固完善以政府投入为主、多渠道筹集教育经费的体制，建立“保基本、补"
            "短板、促公平、提质量”的经费使用机制，建立“放管结合、权责明确、讲求"
            "绩效”的教育经费监管机制。");
  EXPECT_THAT(FindItem(*plan_, "4")->measures_text(),
              HasSubstr("全面实施高校党委意识形态工作责任制清单式管理"));
  // A second paragraph of 工作措施 stays with its item.
  EXPECT_THAT(FindItem(*plan_, "12")->measures_text(),
              HasSubstr("\n巩固提升驻村帮扶脱贫攻坚成效。"));
}

TEST_F(HunanSeedTest, KeepsLatinWordsAsPrinted) {
  EXPECT_THAT(FindItem(*plan_, "21")->body(),
              HasSubstr("加强国家科技创新基地体系在高校的组织 and 布局"));
}

TEST_F(HunanSeedTest, FindsIndicatorsWithMultipliersAndLimits) {
  const Item* i14 = FindItem(*plan_, "14");
  const Indicator* seats = FindIndicator(*i14, "25 万个");
  ASSERT_NE(seats, nullptr);
  EXPECT_DOUBLE_EQ(seats->value(), 250000);
  EXPECT_EQ(seats->unit(), "万个");
  EXPECT_EQ(seats->direction(), v1::AT_LEAST);
  EXPECT_EQ(seats->subject(), "公办幼儿园学位");
  const Indicator* coverage = FindIndicator(*i14, "80%");
  ASSERT_NE(coverage, nullptr);
  EXPECT_DOUBLE_EQ(coverage->value(), 80);
  EXPECT_EQ(coverage->unit(), "%");

  const Item* i15 = FindItem(*plan_, "15");
  const Indicator* limit = FindIndicator(*i15, "5%以内");
  ASSERT_NE(limit, nullptr);
  EXPECT_EQ(limit->direction(), v1::AT_MOST);
  ASSERT_NE(FindIndicator(*i15, "37 所"), nullptr);
  ASSERT_NE(FindIndicator(*i15, "39 所"), nullptr);

  const Item* i16 = FindItem(*plan_, "16");
  ASSERT_NE(FindIndicator(*i16, "15%以下"), nullptr);
  EXPECT_EQ(FindIndicator(*i16, "15%以下")->direction(), v1::AT_MOST);
  ASSERT_NE(FindIndicator(*i16, "93%"), nullptr);
  EXPECT_EQ(FindIndicator(*i16, "93%")->direction(), v1::AT_LEAST);
  ASSERT_NE(FindIndicator(*i16, "1000元"), nullptr);

  const Item* i17 = FindItem(*plan_, "17");
  ASSERT_NE(FindIndicator(*i17, "95%以上"), nullptr);
  EXPECT_EQ(FindIndicator(*i17, "95%以上")->direction(), v1::AT_LEAST);

  const Item* i27 = FindItem(*plan_, "27");
  const Indicator* quota = FindIndicator(*i27, "1.3 万人以上");
  ASSERT_NE(quota, nullptr);
  EXPECT_DOUBLE_EQ(quota->value(), 13000);
  EXPECT_EQ(quota->unit(), "万人");
}

TEST_F(HunanSeedTest, DoesNotTakeYearsVersionsOrCodesAsIndicators) {
  // 2020年, 2.0, 5G, 1+X, 十四五, 2020-2025 年, 第十四届, “111”基地.
  for (const char* n : {"2", "5", "19", "20", "21", "33", "10", "24"}) {
    SCOPED_TRACE(n);
    EXPECT_THAT(FindItem(*plan_, n)->indicators(), IsEmpty());
  }
  // 国培 10 年 counts years, not things.
  for (const Indicator& ind : FindItem(*plan_, "27")->indicators()) {
    EXPECT_NE(ind.unit(), "年");
  }
}

TEST_F(HunanSeedTest, ResolvesYearEndDeadlineAndLeavesOthersUnset) {
  const Item* i8 = FindItem(*plan_, "8");
  ASSERT_TRUE(i8->has_deadline());
  EXPECT_EQ(i8->deadline().text(), "2020 年底前");
  EXPECT_EQ(i8->deadline().date().year(), 2020);
  EXPECT_EQ(i8->deadline().date().month(), 12);
  EXPECT_EQ(i8->deadline().date().day(), 31);
  EXPECT_FALSE(FindItem(*plan_, "1")->has_deadline());
}

TEST_F(HunanSeedTest, NamesOrdinalsAndLinesFollowThePrintedDocument) {
  for (std::size_t k = 0; k < plan_->items.size(); ++k) {
    EXPECT_EQ(plan_->items[k].ordinal(), static_cast<int>(k) + 1);
  }
  const Item* i1 = FindItem(*plan_, "1");
  EXPECT_EQ(i1->name(), "plans/test/items/1");
  EXPECT_EQ(i1->source_line(), 21);
  EXPECT_EQ(FindItem(*plan_, "33")->name(), "plans/test/items/33");
  EXPECT_EQ(FindItem(*plan_, "33")->source_line(), 329);
}

TEST_F(HunanSeedTest, UnderstandsEveryLine) {
  EXPECT_THAT(WarningCodes(*plan_), IsEmpty());
}

// ---------------------------------------------------------------------------
// yiyang-education-2020: a city plan, units in trailing parentheses.

class YiyangSeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    plan_ = new ParsedPlan(ParseFile("yiyang-education-2020.txt"));
  }
  static void TearDownTestSuite() { delete plan_; }
  static ParsedPlan* plan_;
};
ParsedPlan* YiyangSeedTest::plan_ = nullptr;

TEST_F(YiyangSeedTest, ReadsHeaderNumberDateAndTwoLineTitle) {
  const auto& plan = plan_->plan;
  EXPECT_EQ(plan.document_number(), "益教发〔2020〕2号");
  EXPECT_EQ(plan.title(), "益阳市教育局 中共益阳市委教育工委 2020 年工作要点");
  EXPECT_THAT(plan.issuing_authorities(),
              ElementsAre("益阳市教育局", "中共益阳市委教育工作委员会"));
  EXPECT_EQ(plan.organization(), "益阳市教育局");
  EXPECT_EQ(
      plan.notice_title(),
      "关于印发《益阳市教育局 中共益阳市委教育工委 2020年工作要点》的通知");
  EXPECT_THAT(plan.recipients(),
              ElementsAre("各区县（市）教育局", "大通湖区教育与卫生健康局",
                          "市直各教育单位"));
  EXPECT_EQ(plan.issue_date().year(), 2020);
  EXPECT_EQ(plan.issue_date().month(), 3);
  EXPECT_EQ(plan.issue_date().day(), 30);
  EXPECT_EQ(plan.year(), 2020);
  EXPECT_THAT(plan.general_requirements(),
              StartsWith("2020 年全市教育工作的总体要求是："));
}

TEST_F(YiyangSeedTest, KeepsRepeatedSectionLabelAndWarnsAboutIt) {
  const auto& s = plan_->plan.sections();
  ASSERT_EQ(s.size(), 9);
  const char* labels[] = {"一", "二", "三", "三", "四", "五", "六", "七", "八"};
  const char* titles[] = {
      "提高政治站位，着力提升党对教育工作的全面领导",
      "落实科学防治，坚决打赢新冠肺炎疫情防控阻击战",
      "深化教育改革，充分激发教育事业活力",
      "坚持立德树人，持续提高人才培养培育质量",
      "全面统筹兼顾，不断提升人民教育获得感",
      "突出以人为本，着力促进教育公平均衡发展",
      "抓实教学常规，扎实推进教育充分科学发展",
      "强化内部管理，着力夯实教育持续发展基础",
      "提高保障能力，积极营造教育良好发展环境",
  };
  for (int k = 0; k < 9; ++k) {
    EXPECT_EQ(s[k].id(), absl::StrCat(k + 1));
    EXPECT_EQ(s[k].label(), labels[k]);
    EXPECT_EQ(s[k].title(), titles[k]);
  }
  EXPECT_THAT(WarningCodes(*plan_), ElementsAre("71:REPEATED_SECTION_LABEL"));
}

TEST_F(YiyangSeedTest, ReadsEveryItemNumberTitleSectionAndUnits) {
  ExpectItems(
      *plan_,
      {
          {"1", "1", "持续深化思想政治建设",
           "组宣部/L、秘书科、机关党委、教师工作科", false},
          {"2", "1", "不断提升党建工作水平",
           "组宣部/L、秘书科、机关党委、创建办、教师工作科", true},
          {"3", "1", "坚持不懈抓党风廉政建设",
           "机关纪委/L、组宣部、秘书科、机关党委、相关科室站/P", false},
          {"4", "1", "落实意识形态工作责任",
           "组宣部/L、秘书科、机关党委、办公室、法宣科、阳光服务中心", true},
          {"5", "1", "做深做实教育宣传工作", "法宣科/L、各科室站/P", false},
          {"6", "1", "大兴调查研究之风", "各科室站/P", false},
          {"7", "2", "落实联防联控工作责任", "体卫艺科/L、相关科室站/P", false},
          {"8", "2", "全力做好开学复课工作准备",
           "体卫艺科/L、基教科、职教科、相关科室站/P", false},
          {"9", "2", "强化应急处置力度", "体卫艺科/L、相关科室站/P", false},
          {"10", "3", "强化教育改革顶层设计",
           "计财科/L、办公室、法宣科、信息中心", true},
          {"11", "3", "深化考试招生制度改革", "基教科/L、教育考试院、职教科",
           true},
          {"12", "3", "完善质量评估指标体系建设",
           "基教科/L、职教科、相关科室/P", false},
          {"13", "3", "全面推进依法治教",
           "法宣科/L、基教科、职教科、相关科室站/P", false},
          {"14", "3", "持续推进“放管服”改革",
           "法宣科/L、办公室、信息中心、阳光服务中心、相关科室站/P", false},
          {"15", "3", "规范社会力量办学行为", "民办教育科/L", false},
          {"16", "4", "深化中小学校德育工作",
           "基教科/L、职教科、民办教育科、体卫艺科、创建办、关工委", false},
          {"17", "4", "加强体卫艺和国防教育工作", "体卫艺科/L", false},
          {"18", "4", "切实减轻学生负担",
           "基教科/L、职教科、民办教育科、机关纪委、督导科", false},
          {"19", "5", "推进学前教育改革", "基教科/L、民办教育科、教育督导科",
           false},
          {"20", "5", "促进义务教育优质均衡", "基教科/L、教育强市办、计财科",
           true},
          {"21", "5", "鼓励高中教育优质多样发展", "基教科/L", false},
          {"22", "5", "推动职业教育规范发展特色", "职教科/L", false},
          {"23", "5", "支持高等教育特色内涵发展", "职教科/L", false},
          {"24", "5", "加快特殊教育普及提质发展", "基教科/L", false},
          {"25", "5", "引导继续教育大众创新发展", "职教科/L、老干科", true},
          {"26", "6", "强化教育督导", "督导科/L、相关科室站/P", false},
          {"27", "6", "保障机会公平", "机关纪委/L、基教科、职教科、民办教育科",
           true},
          {"28", "6", "推进精准扶贫", "计财科/L、资助中心、职教科", false},
          {"29", "6", "促进就业创业", "就业办/L", false},
          {"30", "7", "提升教育教学质量", "基教科/L、体卫艺科、教育装备所",
           false},
          {"31", "7", "加强教育科研工作", "基教科/L、职教科、教科所", true},
          {"32", "7", "加强语言文字工作", "普通话测试站/L、教师工作科", true},
          {"33", "8", "深化教师队伍建设和改革", "教师工作科/L、人事科、计财科",
           false},
          {"34", "8", "实施师德师风建设工程",
           "教师工作科/L、机关纪委、基教科、职教科、民办教育科", false},
          {"35", "8", "提升师资队伍整体素质", "教师科/L、基教科、职教科", true},
          {"36", "9", "加强教育经费投入使用管理", "计财科/L", false},
          {"37", "9", "加快教育信息化建设", "信息中心/L、教育装备所", false},
          {"38", "9", "维护校园安全稳定", "安管办/L、相关科室站/P", false},
          {"39", "9", "做好各项中心工作", "创建办/L、相关科室站/P", false},
      });
  EXPECT_THAT(plan_->plan.general_item_ids(), IsEmpty());
}

TEST_F(YiyangSeedTest, MeasuresAreTheBodyAfterTheTitleLessTheUnits) {
  const Item* i1 = FindItem(*plan_, "1");
  EXPECT_EQ(i1->target(), "");
  EXPECT_THAT(i1->measures_text(),
              StartsWith("确定 2020 年为全市教育系统“政治建设年”"));
  EXPECT_THAT(i1->measures_text(), ::testing::EndsWith("争当“四有”好老师。"));
  EXPECT_EQ(i1->measures_size(), 5);
  EXPECT_EQ(i1->responsible_units_text(),
            "组宣部、秘书科、机关党委、教师工作科");
  // Rejoined across the page break inside 不忘初心.
  EXPECT_THAT(i1->body(), HasSubstr("巩固“不忘初心、牢记使命”主题教育成果"));
}

TEST_F(YiyangSeedTest,
       Item19IndicatorsIncludeBreakdownWithoutCountingPartsTwice) {
  const Item* i19 = FindItem(*plan_, "19");
  ASSERT_NE(i19, nullptr);
  std::vector<std::pair<double, std::string>> values;
  for (const Indicator& ind : i19->indicators()) {
    values.emplace_back(ind.value(), ind.unit());
  }
  EXPECT_THAT(values, ElementsAre(std::make_pair(64.0, std::string("所")),
                                  std::make_pair(19.0, std::string("个")),
                                  std::make_pair(35.0, std::string("个")),
                                  std::make_pair(50.0, std::string("%")),
                                  std::make_pair(80.0, std::string("%"))));
  const Indicator& kindergartens = i19->indicators(0);
  EXPECT_EQ(kindergartens.id(), "i1");
  EXPECT_THAT(kindergartens.text(), StartsWith("64 所"));
  ASSERT_EQ(kindergartens.parts_size(), 2);
  EXPECT_EQ(kindergartens.parts(0).label(), "省实事园");
  EXPECT_DOUBLE_EQ(kindergartens.parts(0).value(), 43);
  EXPECT_EQ(kindergartens.parts(1).label(), "自建园");
  EXPECT_DOUBLE_EQ(kindergartens.parts(1).value(), 21);
  EXPECT_EQ(i19->indicators(3).subject(), "公办幼儿园在园幼儿占比");
  // The offset points at the indicator's text in the body.
  for (const Indicator& ind : i19->indicators()) {
    EXPECT_EQ(i19->body().substr(ind.offset(), ind.text().size()), ind.text());
  }
  ASSERT_TRUE(i19->has_deadline());
  EXPECT_EQ(i19->deadline().text(), "年内");
  EXPECT_EQ(i19->deadline().date().month(), 12);
  EXPECT_EQ(i19->deadline().date().day(), 31);
}

TEST_F(YiyangSeedTest, Item20EliminationSpansThePageBreak) {
  const Item* i20 = FindItem(*plan_, "20");
  EXPECT_THAT(i20->body(), HasSubstr("消除义务教育大班额 271 个"));
  const Indicator* classes = FindIndicator(*i20, "271 个");
  ASSERT_NE(classes, nullptr);
  EXPECT_EQ(classes->direction(), v1::TO_ZERO);
  EXPECT_EQ(classes->subject(), "义务教育大班额");
  const Indicator* schools = FindIndicator(*i20, "69 所");
  ASSERT_NE(schools, nullptr);
  EXPECT_EQ(schools->direction(), v1::AT_LEAST);
}

TEST_F(YiyangSeedTest, ParenthesesThatAreNotUnitListsStayInTheText) {
  // （联盟） mid-text and （2019-2022年） are not units.
  EXPECT_EQ(Units(*FindItem(*plan_, "22")), "职教科/L");
  EXPECT_THAT(FindItem(*plan_, "22")->measures_text(), HasSubstr("（联盟）"));
  EXPECT_THAT(FindItem(*plan_, "10")->measures_text(),
              HasSubstr("实施方案（2019-2022年）》"));
}

// ---------------------------------------------------------------------------
// Crafted layouts.

TEST(ImporterFormatsTest, ReadsTableWithPipeSeparatedCells) {
  ParsedPlan p = ParseFile("formats/table-pipe.txt");
  EXPECT_EQ(p.plan.document_number(), "长教发〔2021〕5号");
  EXPECT_EQ(p.plan.title(), "长沙市教育局2021年工作要点任务分解表");
  ASSERT_EQ(p.plan.sections_size(), 2);
  EXPECT_EQ(p.plan.sections(0).title(), "全面加强党的建设");
  EXPECT_EQ(p.plan.sections(1).title(), "推动教育优质均衡发展");
  ExpectItems(
      p,
      {
          {"1", "1", "深入学习贯彻党的十九届五中全会精神，开展党史学习教育",
           "组织宣传处/L、机关党委、办公室", false},
          {"2", "1", "推进清廉学校建设，完成 30 所示范校创建",
           "机关纪委/L、基础教育处、职成处", false},
          {"3", "2", "新建改扩建公办幼儿园 20 所，新增学位 1.2 万个",
           "基础教育处/L、计财处、规划处", false},
          {"4", "2", "消除义务教育大班额 45 个", "基础教育处/L、督导室", false},
          {"5", "2", "推进职业教育产教融合", "职成处/L", false},
      });
  const Item* i1 = FindItem(p, "1");
  EXPECT_EQ(i1->deadline().date().month(), 6);
  EXPECT_EQ(i1->deadline().date().day(), 30);
  // The person in charge is kept in the body, not taken as a unit.
  EXPECT_THAT(i1->body(), HasSubstr("责任人：张明"));
  EXPECT_EQ(FindItem(p, "4")->indicators(0).direction(), v1::TO_ZERO);
  EXPECT_EQ(FindItem(p, "4")->deadline().date().month(), 8);
  EXPECT_EQ(FindItem(p, "5")->deadline().date().month(), 12);
  EXPECT_DOUBLE_EQ(FindItem(p, "3")->indicators(1).value(), 12000);
  EXPECT_THAT(WarningCodes(p), IsEmpty());
}

TEST(ImporterFormatsTest, ReadsMarkdownTableWithCellsContinuedOnTheNextRow) {
  ParsedPlan p = ParseFile("formats/table-markdown.txt");
  ASSERT_EQ(p.plan.sections_size(), 2);
  ExpectItems(
      p,
      {
          {"1", "1", "开展党史学习教育", "组宣科/L、机关党委", false},
          // The row below without a number continues this one's 配合单位 cell.
          {"2", "1", "推进清廉学校建设", "机关纪委/L、基教科、职成科", false},
          {"3", "2", "新增学位 5000 个", "基教科/L、计财科", false},
      });
  EXPECT_THAT(WarningCodes(p), IsEmpty());
}

TEST(ImporterFormatsTest, ReadsTableWithTabSeparatedCells) {
  ParsedPlan p = ParseFile("formats/table-tabs.txt");
  ExpectItems(
      p, {
             {"1", "1", "推进县管校聘改革，完成 3 个县市区试点",
              "人事科/L、基教科、计财科", false},
             {"2", "1", "完善教育督导问责机制", "督导室/L、办公室", false},
             {"3", "2", "实施义务教育薄弱环节改善工程，改造校舍 12 万平方米",
              "计财科/L、基教科", false},
         });
  EXPECT_EQ(FindItem(p, "1")->deadline().date().month(), 6);
  EXPECT_EQ(FindItem(p, "3")->deadline().date().month(), 12);
  EXPECT_DOUBLE_EQ(FindItem(p, "3")->indicators(0).value(), 120000);
  EXPECT_EQ(FindItem(p, "3")->indicators(0).unit(), "万平方米");
}

TEST(ImporterFormatsTest, ReadsTableWithOneCellPerLineAndMissingCells) {
  ParsedPlan p = ParseFile("formats/table-cells.txt");
  ASSERT_EQ(p.plan.sections_size(), 2);
  ExpectItems(
      p,
      {
          {"1", "1", "开展党史学习教育，组织专题培训 12 期",
           "组宣科/L、机关党委、办公室", false},
          {"2", "1", "推进模范机关建设", "机关党委/L、各科室/P", false},
          {"3", "2", "实施普通高中新课程新教材改革，覆盖全市 32 所高中",
           "基教科/L、教研室、装备站", false},
          // Its 责任单位 cell is missing: the time limit is still read as one.
          {"4", "2", "加强校园安全管理", "安全科/L", false},
      });
  EXPECT_EQ(FindItem(p, "3")->deadline().text(), "秋季开学前");
  EXPECT_EQ(FindItem(p, "3")->deadline().date().month(), 8);
  EXPECT_EQ(FindItem(p, "4")->deadline().text(), "年底前");
  EXPECT_EQ(FindItem(p, "4")->measures_size(), 1);
}

TEST(ImporterFormatsTest,
     ReadsThreeLevelsWithNumberingRestartingPerSubsection) {
  ParsedPlan p = ParseFile("formats/three-level.txt");
  const auto& s = p.plan.sections();
  ASSERT_EQ(s.size(), 6);
  EXPECT_EQ(s[0].id(), "1");
  EXPECT_EQ(s[1].id(), "1.1");
  EXPECT_EQ(s[1].parent_id(), "1");
  EXPECT_EQ(s[1].label(), "一");
  EXPECT_EQ(s[1].title(), "加强政治建设");
  EXPECT_EQ(s[2].id(), "1.2");
  EXPECT_EQ(s[3].id(), "2");
  EXPECT_EQ(s[5].id(), "2.2");
  ExpectItems(p, {
                     {"1", "1.1", "深化理论武装", "组宣科/L、机关党委", false},
                     {"2", "1.1", "落实意识形态责任制", "组宣科/L", false},
                     {"1", "1.2", "持续整治形式主义", "办公室/L", false},
                     {"2", "1.2", "强化监督执纪", "机关纪委/L、人事科", false},
                     {"1", "2.1", "扩大普惠资源", "基教科/L、计财科", false},
                     {"1", "2.2", "化解大班额", "基教科/L", false},
                     {"2", "2.2", "推进控辍保学", "基教科/L、资助中心", false},
                 });
  std::set<std::string> names;
  for (const Item& item : p.items) names.insert(item.name());
  EXPECT_EQ(names.size(), p.items.size());
  EXPECT_EQ(p.items[2].name(), "plans/test/items/1.2.1");
  EXPECT_EQ(p.items[2].indicators(0).direction(), v1::AT_MOST);
  EXPECT_THAT(WarningCodes(p), IsEmpty());
}

TEST(ImporterFormatsTest, ReadsParenthesisedItemNumbersAndInlineUnitLabels) {
  ParsedPlan p = ParseFile("formats/inline-labels.txt");
  ExpectItems(p,
              {
                  {"（一）", "1", "深化理论武装", "组宣科/L、机关党委", false},
                  {"（二）", "1", "强化作风建设", "机关纪委/L", false},
                  {"（一）", "2", "发展学前教育", "基教科/L、计财科", false},
              });
  // （一） restarts in each section: ids carry the section.
  EXPECT_EQ(p.items[0].name(), "plans/test/items/1.1");
  EXPECT_EQ(p.items[2].name(), "plans/test/items/2.1");
  EXPECT_EQ(p.items[0].measures_text(), "开展专题学习。");
  EXPECT_EQ(p.items[0].responsible_units_text(), "组宣科、机关党委");
  EXPECT_EQ(p.items[2].responsible_units_text(),
            "牵头单位：基教科；配合单位：计财科。");
  EXPECT_THAT(WarningCodes(p), IsEmpty());
}

TEST(ImporterFormatsTest, ReadsTraditionalCharactersAndKeepsThemAsPrinted) {
  ParsedPlan p = ParseFile("formats/traditional.txt");
  EXPECT_EQ(p.plan.title(), "湖南省教育廳 2021年工作要點");
  EXPECT_EQ(p.plan.year(), 2021);
  ExpectItems(p, {
                     {"1", "1", "深入學習貫徹黨的十九屆五中全會精神",
                      "機關黨委/L、辦公室、相關處室/P", false},
                     {"2", "1", "推進學校體育工作",
                      "體衛藝處/L、基教處、財務處", false},
                 });
  const Item* i1 = FindItem(p, "1");
  EXPECT_EQ(i1->target(), "推動學習教育走深走實。");
  EXPECT_EQ(i1->deadline().text(), "年內");
  EXPECT_EQ(i1->deadline().date().month(), 12);
  EXPECT_EQ(i1->indicators(0).unit(), "期");
  const Item* i2 = FindItem(p, "2");
  EXPECT_EQ(i2->indicators(0).direction(), v1::AT_LEAST);
  EXPECT_EQ(i2->deadline().date().month(), 10);
  EXPECT_EQ(i2->deadline().date().day(), 31);
  const Item& general = p.items.back();
  EXPECT_EQ(general.kind(), Item::GENERAL);
  EXPECT_EQ(Units(general), "辦公室/L、機關黨委");
  EXPECT_TRUE(general.units_open_ended());
}

TEST(ImporterFormatsTest, ReadsLeadAndCoUnitsFromSeparateLabelledLines) {
  ParsedPlan p = ParseFile("formats/unit-lines.txt");
  ExpectItems(p, {
                     {"1", "1", "深化考试招生制度改革",
                      "基教科/L、考试院、教研室", false},
                     {"2", "1", "加强教师队伍建设",
                      "人事科/L、教师工作科、计财科、机关党委", false},
                     {"3", "1", "推进教育信息化", "信息中心/L、装备站", false},
                 });
  EXPECT_EQ(FindItem(p, "1")->responsible_units_text(),
            "牵头单位：基教科\n配合单位：考试院、教研室");
  EXPECT_EQ(FindItem(p, "1")->measures_text(),
            "推进中考改革，完善综合素质评价。");
  // 责任单位： with its names on the next line.
  EXPECT_EQ(FindItem(p, "3")->responsible_units_text(), "信息中心、装备站");
  EXPECT_EQ(FindItem(p, "3")->deadline().date().month(), 11);
  EXPECT_EQ(FindItem(p, "3")->deadline().date().day(), 30);
  EXPECT_THAT(WarningCodes(p), IsEmpty());
}

TEST(ImporterFormatsTest, ReadsLeadsWrittenAsProseInTheParenthesis) {
  ParsedPlan p = ParseFile("formats/prose-lead.txt");
  ExpectItems(
      p,
      {
          {"1", "1", "落实教育经费投入", "计财科/L、审计科/L、各科室/P", false},
          {"2", "1", "加强校园安全", "安全科/L、基教科、职成科", false},
          {"3", "1", "推进资助工作", "资助中心/L、计财科、基教科", false},
          {"4", "1", "加强法治建设", "法规科/L、办公室、督导室", false},
      });
  EXPECT_EQ(FindItem(p, "1")->responsible_units_text(),
            "计财科、审计科牵头，各科室按职责分工负责");
}

TEST(ImporterFormatsTest, ReadsLabelledParenthesesAndIgnoresOtherTrailingOnes) {
  ParsedPlan p = ParseFile("formats/labelled-paren.txt");
  ExpectItems(p, {
                     {"1", "1", "推进教育现代化", "规划科/L、计财科", false},
                     {"2", "1", "加强学前教育", "基教科/L、民办科", true},
                     {"3", "1", "组建职教集团", "", false},
                     {"4", "1", "推进特殊教育", "", false},
                     {"5", "1", "加强体育工作", "体卫艺科/L、基教科", false},
                     {"6", "1", "做好督导评估", "督导室/L", false},
                 });
  EXPECT_EQ(FindItem(p, "1")->responsible_units_text(), "规划科、计财科");
  EXPECT_EQ(FindItem(p, "5")->responsible_units_text(),
            "牵头单位：体卫艺科；配合单位：基教科");
  EXPECT_THAT(FindItem(p, "1")->measures_text(),
              ::testing::EndsWith("（2019-2022年）》。"));
  ASSERT_EQ(FindItem(p, "2")->indicators_size(), 1);
  EXPECT_EQ(FindItem(p, "2")->indicators(0).parts_size(), 2);
  EXPECT_EQ(FindItem(p, "6")->deadline().date().month(), 9);
  EXPECT_THAT(WarningCodes(p),
              ElementsAre("9:ITEM_WITHOUT_UNITS", "11:ITEM_WITHOUT_UNITS"));
}

TEST(ImporterFormatsTest, NormalisesEveryDocumentNumberBracketStyle) {
  for (const char* file :
       {"formats/docnumber-square.txt", "formats/docnumber-paren.txt",
        "formats/docnumber-lenticular.txt",
        "formats/docnumber-ascii-paren.txt"}) {
    SCOPED_TRACE(file);
    ParsedPlan p = ParseFile(file);
    EXPECT_EQ(p.plan.document_number(), "益教发〔2021〕7号");
    EXPECT_EQ(p.plan.issue_date().day(), 1);
    ASSERT_EQ(p.items.size(), 1u);
    EXPECT_THAT(WarningCodes(p), IsEmpty());
  }
}

TEST(ImporterFormatsTest, TakesOnlyTheHeaderNumberNotNumbersQuotedInText) {
  ParsedPlan p = ParseFile("formats/quoted-numbers.txt");
  EXPECT_EQ(p.plan.document_number(), "益教发〔2021〕9号");
  const Item* i1 = FindItem(p, "1");
  EXPECT_EQ(Units(*i1), "办公室/L、相关科室站/P");
  ASSERT_EQ(i1->indicators_size(), 1);
  EXPECT_EQ(i1->indicators(0).text(), "10 项");
  EXPECT_THAT(WarningCodes(p), IsEmpty());

  // Without a number of its own, a quoted one is not taken either.
  std::string content = ReadTestdata("formats/quoted-numbers.txt");
  content.replace(content.find("益教发〔2021〕9号"),
                  std::string("益教发〔2021〕9号").size(), "");
  EXPECT_EQ(MustParse(content).plan.document_number(), "");
}

TEST(ImporterFormatsTest, RejoinsWordsAndSentencesBrokenByHardLineBreaks) {
  ParsedPlan p = ParseFile("formats/hard-breaks.txt");
  EXPECT_EQ(
      p.plan.general_requirements(),
      "2021年全市教育工作的总体要求是：坚持立德树人，办好人民满意的教育。");
  ASSERT_EQ(p.plan.sections_size(), 2);
  EXPECT_EQ(p.plan.sections(0).title(), "加强党对教育工作的全面领导");
  ExpectItems(
      p, {
             {"1", "1", "持续深化思想政治建设", "组宣科/L、机关党委", false},
             {"2", "1", "推进学前教育改革", "基教科/L、计财科", false},
             {"3", "2", "推进教育信息化 2.0 建设", "信息中心/L", false},
             {"4", "2", "消除大班额", "基教科/L、督导室", false},
         });
  EXPECT_THAT(FindItem(p, "1")->body(), HasSubstr("“作风建设年”"));
  EXPECT_NE(FindIndicator(*FindItem(p, "2"), "85%"), nullptr);
  // "2.0 标准…" at the start of a line is text, not item 2.
  EXPECT_THAT(FindItem(p, "3")->body(),
              HasSubstr("建设2.0 标准智慧课堂 100 间"));
  EXPECT_EQ(FindItem(p, "4")->indicators(0).direction(), v1::TO_ZERO);
  EXPECT_THAT(WarningCodes(p), IsEmpty());
}

TEST(ImporterFormatsTest, HandlesByteOrderMarkAndCrlfLineEndings) {
  ParsedPlan p = ParseFile("formats/crlf-bom.txt");
  EXPECT_EQ(p.plan.title(), "怀化市教育局2021年工作要点");
  ExpectItems(p, {
                     {"1", "1", "深化理论武装", "组宣科/L、机关党委", false},
                     {"2", "1", "强化作风建设", "机关纪委/L", false},
                     {"3", "2", "发展学前教育", "基教科/L", false},
                 });
  EXPECT_EQ(FindItem(p, "1")->source_line(), 5);
  for (const Item& item : p.items) {
    EXPECT_THAT(item.body(), ::testing::Not(HasSubstr("\r")));
  }
}

TEST(ImporterFormatsTest, ReadsAsciiPunctuation) {
  ParsedPlan p = ParseFile("formats/ascii-punct.txt");
  EXPECT_EQ(p.plan.document_number(), "益教发〔2021〕11号");
  EXPECT_THAT(p.plan.recipients(),
              ElementsAre("各区县(市)教育局", "市直各教育单位"));
  ExpectItems(
      p, {
             {"1", "1", "深化理论武装", "组宣科/L、机关党委", false},
             {"2", "1", "强化作风建设", "机关纪委/L、人事科", false},
             {"3", "2", "发展学前教育:扩大普惠资源", "基教科/L、职成科", false},
         });
  const Item* i1 = FindItem(p, "1");
  EXPECT_THAT(i1->measures(), ElementsAre("开展专题学习,全年不少于 10 次;",
                                          "加强 5G 网络宣传阵地建设."));
  ASSERT_EQ(i1->indicators_size(), 1);  // 5G is not one
  const Item* i3 = FindItem(p, "3");
  EXPECT_EQ(i3->target(), "普惠性幼儿园覆盖率达到 85%.");
  EXPECT_THAT(i3->measures_text(), HasSubstr("中职学校 and 高职院校"));
}

// ---------------------------------------------------------------------------
// Warnings: every line is used or reported.

TEST(ImporterWarningsTest, ReportsLinesAndParagraphsItDoesNotUnderstand) {
  ParsedPlan p = MustParse(
      "@@@@ 乱码 @@@@\n"
      "某市教育局2021年工作要点\n"
      "一、加强党的建设\n"
      "各单位要高度重视，认真组织实施。\n"
      "1.深化理论武装。开展专题学习。（组宣科）\n"
      "3.强化作风建设。开展整治。（机关纪委）\n"
      "三、推进改革\n"
      "4.深化改革。推进综合改革。\n");
  EXPECT_THAT(WarningCodes(p),
              ElementsAre("1:UNRECOGNISED_LINE", "4:TEXT_OUTSIDE_ITEM",
                          "6:ITEM_NUMBER_GAP", "7:SKIPPED_SECTION_LABEL",
                          "8:ITEM_WITHOUT_UNITS"));
  for (const auto& w : p.warnings) EXPECT_FALSE(w.message().empty());
}

TEST(ImporterWarningsTest, UsesDefaultYearOnlyWhenTheDocumentPrintsNone) {
  ImportOptions options;
  options.default_year = 2023;
  absl::StatusOr<ParsedPlan> p = ParsePlanDocument(
      "一、加强党的建设\n1.深化理论武装。年内开展专题学习。（组宣科）\n",
      options);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->plan.year(), 2023);
  EXPECT_EQ(p->items[0].deadline().date().year(), 2023);
  EXPECT_EQ(p->items[0].name(), "plans/draft/items/1");
}

// ---------------------------------------------------------------------------
// Malformed input.

absl::Status ParseStatus(absl::string_view content) {
  return ParsePlanDocument(content, ImportOptions()).status();
}

TEST(ImporterInputTest, RejectsEmptyDocument) {
  absl::Status s = ParseStatus("");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("empty"));
}

TEST(ImporterInputTest, RejectsWhitespaceOnlyDocument) {
  absl::Status s = ParseStatus(" \r\n\t\n\xE3\x80\x80\n\xEF\xBB\xBF");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("whitespace"));
}

TEST(ImporterInputTest, RejectsInvalidUtf8NamingTheByteOffset) {
  std::string content = "一、加强党的建设\n1.深化";
  std::size_t offset = content.size();
  content += "\xC3\x28 理论武装。（组宣科）\n";
  absl::Status s = ParseStatus(content);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(absl::StrCat("not valid UTF-8 at byte ", offset)));
  // GBK bytes, overlong forms and surrogates are refused too.
  EXPECT_FALSE(ParsePlanDocument("\xD2\xBB\xA1\xA2", ImportOptions()).ok());
  EXPECT_FALSE(ParsePlanDocument("\xC0\xAF", ImportOptions()).ok());
  EXPECT_FALSE(ParsePlanDocument("\xED\xA0\x80", ImportOptions()).ok());
}

TEST(ImporterInputTest, RejectsBinaryDataNamingTheByteOffset) {
  std::string content = "一、加强党的建设\n";
  std::size_t offset = content.size();
  content.push_back('\0');
  content += "1.深化理论武装。（组宣科）\n";
  absl::Status s = ParseStatus(content);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(absl::StrCat("control byte 0x00) at byte ", offset)));
  EXPECT_FALSE(ParsePlanDocument("一、加强\x07\n", ImportOptions()).ok());
  // Form feeds (page breaks) and tabs are text.
  EXPECT_TRUE(
      ParsePlanDocument("一、加强党的建设\f\n1.\t深化理论武装。（组宣科）\n",
                        ImportOptions())
          .ok());
}

TEST(ImporterInputTest, RejectsDocumentsOverTheSizeLimit) {
  std::string content = "一、加强党的建设\n1.深化理论武装。（组宣科）\n";
  content.resize(kMaxDocumentBytes + 1, ' ');
  absl::Status s = ParseStatus(content);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("larger than the limit"));
  content.resize(kMaxDocumentBytes);
  EXPECT_TRUE(ParsePlanDocument(content, ImportOptions()).ok());
}

TEST(ImporterInputTest, RejectsTextWithoutAnySectionOrItem) {
  absl::Status s = ParseStatus(
      "这是一段普通的文字，没有任何章节或编号。\n2020 "
      "年全省教育工作稳步推进。\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("no section or item"));
}

}  // namespace
}  // namespace duban::plan
