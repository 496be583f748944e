// Resolution of printed unit names (services/unit/resolve.h), table-tested
// without a store: normalization, the matching tiers, suggestions for
// abbreviations, placeholders and groups, and every responsible unit printed
// in the two seed documents.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/unit/resolve.h"
#include "tests/support/testdata.h"

namespace duban::unit {
namespace {

using ::testing::HasSubstr;
using v1::Unit;
using v1::UnitNameResolution;
using v1::UnitSuggestion;

Unit MakeUnit(const std::string& id, const std::string& short_name,
              const std::string& full_name = "",
              std::vector<std::string> aliases = {},
              Unit::Kind kind = Unit::OFFICE, bool active = true) {
  Unit unit;
  unit.set_name("organizations/o/units/" + id);
  unit.set_short_name(short_name);
  unit.set_full_name(full_name);
  for (auto& alias : aliases) unit.add_aliases(alias);
  unit.set_kind(kind);
  unit.set_active(active);
  return unit;
}

// A city education bureau's directory as the seed document prints it.
std::vector<Unit> YiyangUnits() {
  return {
      MakeUnit("jjk", "基教科", "基础教育科"),
      MakeUnit("jyddk", "教育督导科"),
      MakeUnit("ksy", "教育考试院", "", {}, Unit::AFFILIATED_UNIT),
      MakeUnit("jsgzk", "教师工作科"),
      MakeUnit("zxb", "组宣部", "组织宣传部", {"机关组宣部"},
               Unit::PARTY_DEPARTMENT),
      MakeUnit("xxzx", "信息中心", "", {}, Unit::AFFILIATED_UNIT),
      MakeUnit("fpxz", "厅扶贫领导小组", "", {}, Unit::WORKING_GROUP),
      MakeUnit("gkss", "各科室站", "", {}, Unit::PLACEHOLDER),
      MakeUnit("old", "老干科", "", {}, Unit::OFFICE, /*active=*/false),
  };
}

TEST(NormalizeUnitNameTest, FoldsWidthSpacesPunctuationAndTraditional) {
  struct Case {
    std::string in;
    std::string out;
    bool open_ended;
  };
  const std::vector<Case> cases = {
      {"基教科", "基教科", false},
      {"  基 教　科 ", "基教科", false},
      {"教育考试院（招生办）", "教育考试院招生办", false},
      {"教育考试院(招生办)", "教育考试院招生办", false},
      {"湖南省教育厅：机关", "湖南省教育厅机关", false},
      {"ＩＴ中心", "it中心", false},
      {"信息中心等", "信息中心", true},
      {"信息中心等。", "信息中心", true},
      {"教育督导处。", "教育督导处", false},
      {"体卫艺科、", "体卫艺科", false},
      {"，办公室；", "办公室", false},
      {"教育督導處", "教育督导处", false},
      {"國際交流與合作處", "国际交流与合作处", false},
      {"機關黨委", "机关党委", false},
      {"等", "等", false},  // nothing but 等 is kept
      {"、。", "", false},
  };
  for (const Case& c : cases) {
    NormalizedName n = NormalizeUnitName(c.in);
    EXPECT_EQ(n.text, c.out) << c.in;
    EXPECT_EQ(n.open_ended, c.open_ended) << c.in;
  }
}

TEST(NormalizeUnitNameTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(NormalizeUnitName("科\xff").text, "科\xEF\xBF\xBD");
}

TEST(IsValidUtf8Test, AcceptsWellFormedAndRejectsBrokenSequences) {
  EXPECT_TRUE(IsValidUtf8("基教科 abc"));
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBD"));  // a literal U+FFFD
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE5\x9F"));      // truncated
}

TEST(PlaceholderTest, RecognisesTheRelevantDepartmentsOnly) {
  for (const char* name :
       {"相关处室", "相关科室", "相关科室站", "各科室站", "各处室", "有关单位",
        "相关单位", "各相关处室", "厅直各单位", "直属各单位", "其他处室"}) {
    EXPECT_TRUE(IsPlaceholderName(NormalizeUnitName(name).text)) << name;
  }
  for (const char* name : {"基教科", "关工委", "教育督导科", "相关", "各",
                           "相关工作领导小组办公室和其他很多单位"}) {
    EXPECT_FALSE(IsPlaceholderName(NormalizeUnitName(name).text)) << name;
  }
}

TEST(GroupNameTest, MemberSuffixesGiveTheGroupsOwnName) {
  EXPECT_EQ(GroupMembersBase("厅扶贫领导小组成员处室"), "厅扶贫领导小组");
  EXPECT_EQ(GroupMembersBase("厅新冠肺炎疫情防控领导小组成员处室"),
            "厅新冠肺炎疫情防控领导小组");
  EXPECT_EQ(GroupMembersBase("安全工作领导小组成员单位"), "安全工作领导小组");
  EXPECT_EQ(GroupMembersBase("成员单位"), std::nullopt);
  EXPECT_EQ(GroupMembersBase("基教科"), std::nullopt);
  EXPECT_TRUE(IsGroupName("厅扶贫领导小组"));
  EXPECT_FALSE(IsGroupName("基教科"));
}

TEST(ResolveUnitNameTest, MatchingTiersAnswerHowTheNameMatched) {
  const std::vector<Unit> units = YiyangUnits();
  struct Case {
    std::string printed;
    std::string unit;
    UnitNameResolution::Match match;
    bool open_ended;
  };
  const std::vector<Case> cases = {
      {"基教科", "jjk", UnitNameResolution::EXACT_SHORT_NAME, false},
      {" 基教科 ", "jjk", UnitNameResolution::EXACT_SHORT_NAME, false},
      {"基础教育科", "jjk", UnitNameResolution::FULL_NAME, false},
      {"机关组宣部", "zxb", UnitNameResolution::ALIAS, false},
      {"基教科等", "jjk", UnitNameResolution::NORMALIZED, true},
      {"基 教 科。", "jjk", UnitNameResolution::NORMALIZED, false},
      {"組織宣傳部", "zxb", UnitNameResolution::NORMALIZED, false},
      {"教育考试院（）", "ksy", UnitNameResolution::NORMALIZED, false},
  };
  for (const Case& c : cases) {
    UnitNameResolution r = ResolveUnitName(c.printed, units);
    EXPECT_EQ(r.printed_name(), c.printed);
    EXPECT_EQ(r.outcome(), UnitNameResolution::RESOLVED) << c.printed;
    EXPECT_EQ(r.unit(), "organizations/o/units/" + c.unit) << c.printed;
    EXPECT_EQ(r.match(), c.match) << c.printed;
    EXPECT_EQ(r.open_ended(), c.open_ended) << c.printed;
    EXPECT_TRUE(r.unit_active());
    EXPECT_TRUE(r.suggestions().empty());
  }
}

TEST(ResolveUnitNameTest, AbbreviationsAreSuggestedWithAReasonNeverApplied) {
  const std::vector<Unit> units = YiyangUnits();
  struct Case {
    std::string printed;
    std::string unit;
    UnitSuggestion::Rule rule;
    std::string reason_part;
  };
  const std::vector<Case> cases = {
      {"督导科", "jyddk", UnitSuggestion::PREFIX_REMOVED, "prefix \"教育\""},
      {"考试院", "ksy", UnitSuggestion::PREFIX_REMOVED, "prefix \"教育\""},
      {"教师科", "jsgzk", UnitSuggestion::MIDDLE_REMOVED, "without \"工作\""},
      {"市教育考试院", "ksy", UnitSuggestion::PREFIX_REMOVED,
       "with the prefix \"市\""},
  };
  for (const Case& c : cases) {
    UnitNameResolution r = ResolveUnitName(c.printed, units);
    EXPECT_EQ(r.outcome(), UnitNameResolution::SUGGESTED) << c.printed;
    EXPECT_TRUE(r.unit().empty()) << c.printed;
    ASSERT_FALSE(r.suggestions().empty()) << c.printed;
    EXPECT_EQ(r.suggestions(0).unit(), "organizations/o/units/" + c.unit);
    EXPECT_EQ(r.suggestions(0).rule(), c.rule) << c.printed;
    EXPECT_THAT(r.suggestions(0).reason(), HasSubstr(c.reason_part));
    EXPECT_GT(r.suggestions(0).score(), 0.5);
  }
}

TEST(ResolveUnitNameTest, SuggestionsWorkBothWays) {
  // The directory holds the short forms; the document prints the long ones.
  const std::vector<Unit> units = {MakeUnit("dd", "督导科"),
                                   MakeUnit("js", "教师科")};
  UnitNameResolution r = ResolveUnitName("教育督导科", units);
  ASSERT_EQ(r.outcome(), UnitNameResolution::SUGGESTED);
  EXPECT_EQ(r.suggestions(0).unit(), "organizations/o/units/dd");
  EXPECT_THAT(
      r.suggestions(0).reason(),
      HasSubstr("\"教育督导科\" is \"督导科\" with the prefix \"教育\""));
  r = ResolveUnitName("教师工作科", units);
  ASSERT_EQ(r.outcome(), UnitNameResolution::SUGGESTED);
  EXPECT_EQ(r.suggestions(0).rule(), UnitSuggestion::MIDDLE_REMOVED);
}

TEST(ResolveUnitNameTest, SubsequenceWithTheSameFinalCharacterIsSuggested) {
  const std::vector<Unit> units = {MakeUnit("jc", "基础教育科")};
  UnitNameResolution r = ResolveUnitName("基教科", units);
  ASSERT_EQ(r.outcome(), UnitNameResolution::SUGGESTED);
  EXPECT_EQ(r.suggestions(0).rule(), UnitSuggestion::SUBSEQUENCE);
  EXPECT_THAT(r.suggestions(0).reason(), HasSubstr("final character \"科\""));
  // A different final character is no suggestion.
  EXPECT_EQ(ResolveUnitName("基教处", units).outcome(),
            UnitNameResolution::UNKNOWN);
}

TEST(ResolveUnitNameTest, SeveralSuggestionsAreRankedByScore) {
  const std::vector<Unit> units = {
      MakeUnit("a", "督导评估科"),  // middle part "评估": weaker
      MakeUnit("b", "教育督导科"),  // known prefix "教育": stronger
      MakeUnit("c", "财务科"),      // unrelated
  };
  UnitNameResolution r = ResolveUnitName("督导科", units);
  ASSERT_EQ(r.suggestions_size(), 2);
  EXPECT_EQ(r.suggestions(0).unit(), "organizations/o/units/b");
  EXPECT_EQ(r.suggestions(1).unit(), "organizations/o/units/a");
  EXPECT_GT(r.suggestions(0).score(), r.suggestions(1).score());
}

TEST(ResolveUnitNameTest, UnknownNamesAreUnknown) {
  const std::vector<Unit> units = YiyangUnits();
  for (const char* name : {"财务科", "人事处", "科"}) {
    UnitNameResolution r = ResolveUnitName(name, units);
    EXPECT_EQ(r.outcome(), UnitNameResolution::UNKNOWN) << name;
    EXPECT_TRUE(r.suggestions().empty()) << name;
  }
}

TEST(ResolveUnitNameTest, PlaceholdersArePlaceholders) {
  const std::vector<Unit> units = YiyangUnits();
  for (const char* name : {"相关科室站", "相关处室", "各处室", "有关单位"}) {
    UnitNameResolution r = ResolveUnitName(name, units);
    EXPECT_EQ(r.outcome(), UnitNameResolution::PLACEHOLDER) << name;
    EXPECT_TRUE(r.unit().empty()) << name;
  }
  // A registered PLACEHOLDER unit is named in the answer.
  UnitNameResolution r = ResolveUnitName("各科室站", units);
  EXPECT_EQ(r.outcome(), UnitNameResolution::PLACEHOLDER);
  EXPECT_EQ(r.unit(), "organizations/o/units/gkss");
}

TEST(ResolveUnitNameTest, GroupsResolveToTheGroupUnitWhenOneExists) {
  std::vector<Unit> units = YiyangUnits();
  UnitNameResolution r = ResolveUnitName("厅扶贫领导小组成员处室", units);
  EXPECT_EQ(r.outcome(), UnitNameResolution::GROUP);
  EXPECT_EQ(r.unit(), "organizations/o/units/fpxz");
  r = ResolveUnitName("厅扶贫领导小组", units);
  EXPECT_EQ(r.outcome(), UnitNameResolution::GROUP);
  EXPECT_EQ(r.unit(), "organizations/o/units/fpxz");
  EXPECT_EQ(r.match(), UnitNameResolution::EXACT_SHORT_NAME);

  r = ResolveUnitName("厅新冠肺炎疫情防控领导小组成员处室", units);
  EXPECT_EQ(r.outcome(), UnitNameResolution::GROUP);
  EXPECT_TRUE(r.unit().empty());
}

TEST(ResolveUnitNameTest, GroupWithoutExactGroupUnitSuggestsGroupsOnly) {
  const std::vector<Unit> units = {
      MakeUnit("fp", "扶贫领导小组", "", {}, Unit::WORKING_GROUP),
      MakeUnit("office", "厅扶贫办"),
  };
  UnitNameResolution r = ResolveUnitName("厅扶贫领导小组成员处室", units);
  EXPECT_EQ(r.outcome(), UnitNameResolution::GROUP);
  EXPECT_TRUE(r.unit().empty());
  ASSERT_EQ(r.suggestions_size(), 1);
  EXPECT_EQ(r.suggestions(0).unit(), "organizations/o/units/fp");
  EXPECT_EQ(r.suggestions(0).rule(), UnitSuggestion::PREFIX_REMOVED);
}

TEST(ResolveUnitNameTest, InactiveUnitsResolveFlaggedAndAreNeverSuggested) {
  const std::vector<Unit> units = YiyangUnits();
  UnitNameResolution r = ResolveUnitName("老干科", units);
  EXPECT_EQ(r.outcome(), UnitNameResolution::RESOLVED);
  EXPECT_FALSE(r.unit_active());
  r = ResolveUnitName("市老干科", units);
  EXPECT_EQ(r.outcome(), UnitNameResolution::UNKNOWN);
}

TEST(UnitNameKeysTest, KeysAreNormalizedAndDistinct) {
  Unit unit =
      MakeUnit("x", "基教科", "基础教育科", {"基 教 科", "基础教育科等"});
  EXPECT_THAT(UnitNameKeys(unit),
              ::testing::ElementsAre("基教科", "基础教育科"));
}

// Every unit printed after 责任单位： in the provincial seed resolves against a
// directory holding each name once (placeholders and the two groups aside).
TEST(SeedDocumentTest, EveryResponsibleUnitOfTheProvincialPlanIsAccountedFor) {
  const std::string doc = ReadTestdata("hunan-education-2020.txt");
  ASSERT_FALSE(doc.empty());
  std::set<std::string> printed;
  for (absl::string_view line : absl::StrSplit(doc, '\n')) {
    if (!absl::ConsumePrefix(&line, "责任单位：")) continue;
    for (absl::string_view name : absl::StrSplit(line, "、")) {
      printed.insert(std::string(absl::StripAsciiWhitespace(name)));
    }
  }
  ASSERT_GT(printed.size(), 30u);
  std::vector<Unit> units;
  int n = 0;
  for (const std::string& name : printed) {
    const std::string key = NormalizeUnitName(name).text;
    if (IsPlaceholderName(key) || GroupMembersBase(key).has_value()) continue;
    // 教育考试院 and 考试院 are one unit; register the long form only.
    if (name == "考试院") continue;
    units.push_back(MakeUnit("u" + std::to_string(n++), key));
  }
  units.push_back(
      MakeUnit("fp", "厅扶贫领导小组", "", {}, Unit::WORKING_GROUP));
  int placeholders = 0;
  int groups = 0;
  for (const std::string& name : printed) {
    UnitNameResolution r = ResolveUnitName(name, units);
    if (name == "考试院") {
      EXPECT_EQ(r.outcome(), UnitNameResolution::SUGGESTED);
      ASSERT_FALSE(r.suggestions().empty());
      EXPECT_EQ(r.suggestions(0).matched_name(), "教育考试院");
      continue;
    }
    placeholders += r.outcome() == UnitNameResolution::PLACEHOLDER;
    groups += r.outcome() == UnitNameResolution::GROUP;
    EXPECT_TRUE(r.outcome() == UnitNameResolution::RESOLVED ||
                r.outcome() == UnitNameResolution::PLACEHOLDER ||
                r.outcome() == UnitNameResolution::GROUP)
        << name;
  }
  EXPECT_EQ(placeholders, 1);  // 相关处室
  EXPECT_EQ(groups, 2);  // 厅扶贫…, 厅新冠肺炎疫情防控…领导小组成员处室
}

// The city seed prints units in parentheses, mixing long and short forms.
TEST(SeedDocumentTest, CitySeedShortAndLongFormsAreLinkedBySuggestions) {
  std::vector<Unit> units;
  int n = 0;
  for (const char* name :
       {"基教科",       "职教科",     "民办教育科", "教育督导科",
        "教育考试院",   "教师工作科", "组宣部",     "秘书科",
        "机关党委",     "办公室",     "法宣科",     "信息中心",
        "阳光服务中心", "体卫艺科",   "计财科",     "资助中心",
        "机关纪委",     "创建办",     "关工委",     "安管办",
        "教科所",       "教育装备所", "教育强市办", "普通话测试站",
        "人事科",       "老干科",     "就业办"}) {
    units.push_back(MakeUnit("u" + std::to_string(n++), name));
  }
  const std::string printed_lists[] = {"体卫艺科、相关科室站",
                                       "计财科、资助中心、职教科",
                                       "计财科、办公室、法宣科、信息中心等",
                                       "督导科、相关科室站",
                                       "法宣科、各科室站",
                                       "教师科、基教科、职教科等",
                                       "基教科、民办教育科、教育督导科",
                                       "基教科、教育考试院、职教科等",
                                       "普通话测试站、教师工作科等",
                                       "基教科、体卫艺科、教育装备所"};
  std::set<std::string> suggested;
  for (const std::string& list : printed_lists) {
    for (absl::string_view name : absl::StrSplit(list, "、")) {
      UnitNameResolution r = ResolveUnitName(name, units);
      if (r.outcome() == UnitNameResolution::SUGGESTED) {
        suggested.insert(std::string(name));
        continue;
      }
      EXPECT_TRUE(r.outcome() == UnitNameResolution::RESOLVED ||
                  r.outcome() == UnitNameResolution::PLACEHOLDER)
          << name;
    }
  }
  EXPECT_THAT(suggested, ::testing::ElementsAre("教师科", "督导科"));
}

}  // namespace
}  // namespace duban::unit
