// End to end, the issuing flow a supervisor follows with dubanctl across
// three processes (redis-server, unit-server, plan-server): create the
// issuing organizations, import both seed plans, see issuing refused while
// printed unit names do not resolve, fix them with `units resolve`, issue,
// and check the assignments against expectations read from the seed text
// here, independently of the importer. Also: issuing while unit-server is
// down changes nothing, and works once it is back.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duban/plan/v1/plan_service.pb.h"
#include "duban/unit/v1/unit_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/cli_stack.h"
#include "tests/support/process.h"

namespace duban {
namespace {

namespace ppb = ::duban::plan::v1;
namespace upb = ::duban::unit::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// Every test finishes well inside this, or fails saying so.
constexpr absl::Duration kTestBudget = absl::Seconds(100);
// No single dubanctl run may take longer.
constexpr absl::Duration kCommandTimeout = absl::Seconds(20);

// --- expectations from the seed text
// ------------------------------------------

// One item as the seed prints it: its id and its responsible units, short
// forms replaced by long ones, placeholders left out, each unit once, in
// printed order (the first leads).
struct PrintedItem {
  std::string id;
  std::vector<std::string> units;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The non-blank lines of a document, trimmed.
std::vector<std::string> NonBlankLines(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

// "19" for a line starting "19." (the items of both seeds), else empty.
std::string ItemNumber(absl::string_view line) {
  std::size_t digits = 0;
  while (digits < line.size() && absl::ascii_isdigit(line[digits])) ++digits;
  if (digits == 0 || digits >= line.size() || line[digits] != '.') return "";
  return std::string(line.substr(0, digits));
}

bool IsSectionHeading(absl::string_view line) {
  for (absl::string_view numeral :
       {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}) {
    if (absl::StartsWith(line, absl::StrCat(numeral, "、"))) return true;
  }
  return false;
}

// Splits a printed unit list on 、, strips 等 and the closing 。, drops
// placeholders, maps short forms to long ones and keeps each unit once.
std::vector<std::string> UnitList(
    absl::string_view text, const std::set<std::string>& placeholders,
    const std::map<std::string, std::string>& long_forms) {
  std::vector<std::string> units;
  absl::ConsumeSuffix(&text, "。");
  for (absl::string_view name : absl::StrSplit(text, "、")) {
    name = absl::StripAsciiWhitespace(name);
    absl::ConsumeSuffix(&name, "等");
    std::string unit(name);
    if (unit.empty() || placeholders.count(unit) > 0) continue;
    if (auto it = long_forms.find(unit); it != long_forms.end()) {
      unit = it->second;
    }
    if (std::find(units.begin(), units.end(), unit) == units.end()) {
      units.push_back(unit);
    }
  }
  return units;
}

// Yiyang: items are the lines starting "N." with the lines that follow up
// to the next item or section heading (page breaks rejoined); the units
// stand in the item's trailing parenthesis.
std::vector<PrintedItem> YiyangItems() {
  static const auto* placeholders =
      new std::set<std::string>{"相关科室站", "各科室站", "相关科室"};
  static const auto* long_forms = new std::map<std::string, std::string>{
      {"督导科", "教育督导科"}, {"教师科", "教师工作科"}};
  std::vector<std::pair<std::string, std::string>> texts;  // id, text
  bool in_item = false;
  for (const std::string& line : NonBlankLines(ReadFile(kYiyangFile))) {
    if (const std::string number = ItemNumber(line); !number.empty()) {
      texts.emplace_back(number, line);
      in_item = true;
    } else if (IsSectionHeading(line)) {
      in_item = false;
    } else if (in_item) {
      texts.back().second += line;
    }
  }
  std::vector<PrintedItem> items;
  for (const auto& [id, text] : texts) {
    PrintedItem item{id, {}};
    const std::size_t open = text.rfind("（");
    if (absl::EndsWith(text, "）") && open != std::string::npos) {
      const std::size_t start = open + std::strlen("（");
      const std::string list =
          text.substr(start, text.size() - std::strlen("）") - start);
      item.units = UnitList(list, *placeholders, *long_forms);
    } else {
      ADD_FAILURE() << "yiyang item " << id << " has no trailing parenthesis";
    }
    items.push_back(std::move(item));
  }
  return items;
}

// Hunan: every 责任单位： line belongs to the item numbered last before it;
// the one after the last item, under the closing paragraph, is the plan's
// general duty (item "general"), which the plan assigns too. Groups
// (…成员处室) stay as printed: one assignment to the group unit.
std::vector<PrintedItem> HunanItems() {
  static const auto* placeholders = new std::set<std::string>{"相关处室"};
  static const auto* long_forms =
      new std::map<std::string, std::string>{{"考试院", "教育考试院"}};
  std::vector<PrintedItem> items;
  std::string current;  // the item whose 责任单位 line is still to come
  int general = 0;
  for (const std::string& line : NonBlankLines(ReadFile(kHunanFile))) {
    if (const std::string number = ItemNumber(line); !number.empty()) {
      current = number;
      continue;
    }
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "责任单位：")) continue;
    std::string id = current;
    if (id.empty()) {
      id = ++general == 1 ? "general" : absl::StrCat("general-", general);
    }
    current.clear();
    items.push_back({id, UnitList(rest, *placeholders, *long_forms)});
  }
  return items;
}

// True when the seed prints `unit` as a name of its own in a unit list
// (after （, 、 or ：, before 、, ）, 等, 。 or the end of the line), not
// merely as the end of a longer name (考试院 in 教育考试院).
bool SeedPrints(const std::string& file, const std::string& unit) {
  for (const std::string& line : NonBlankLines(ReadFile(file))) {
    for (absl::string_view before : {"（", "、", "："}) {
      const std::string name = absl::StrCat(before, unit);
      if (absl::EndsWith(line, name)) return true;
      for (absl::string_view after : {"、", "）", "等", "。"}) {
        if (absl::StrContains(line, absl::StrCat(name, after))) return true;
      }
    }
  }
  return false;
}

// --- the units of an organization, as `unit list --json` shows them
// -----------

class UnitDirectory {
 public:
  explicit UnitDirectory(upb::ListUnitsResponse units)
      : units_(std::move(units)) {}

  const upb::ListUnitsResponse& units() const { return units_; }

  // The unit (resource name) that has `name` as short name, full name or
  // alias; a group's member name (…成员处室) also finds the group itself.
  // Empty when none.
  std::string Find(const std::string& name) const {
    for (const upb::Unit& unit : units_.units()) {
      if (NamesOf(unit).count(name) > 0) return unit.name();
    }
    absl::string_view group = name;
    if (absl::ConsumeSuffix(&group, "成员处室")) {
      return Find(std::string(group));
    }
    return "";
  }

  std::string ShortName(const std::string& unit_name) const {
    for (const upb::Unit& unit : units_.units()) {
      if (unit.name() == unit_name) return unit.short_name();
    }
    return absl::StrCat("<unknown ", unit_name, ">");
  }

  static std::set<std::string> NamesOf(const upb::Unit& unit) {
    std::set<std::string> names = {unit.short_name()};
    if (!unit.full_name().empty()) names.insert(unit.full_name());
    names.insert(unit.aliases().begin(), unit.aliases().end());
    return names;
  }

 private:
  upb::ListUnitsResponse units_;
};

// --- the processes
// ------------------------------------------------------------

class IssueFlowTest : public CliStackTest {
 protected:
  IssueFlowTest()
      : CliStackTest(Options("issue", kTestBudget, kCommandTimeout)
                         .WithCallTimeout("5s")) {}

  void CreateOrganizations() {
    ProcessResult r =
        Ctl({"org", "create", "--name", "湖南省教育厅", "--level", "province",
             "--id", "hunan-edu", "--alias", "中共湖南省委教育工作委员会"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr("Created organizations/hunan-edu"));
    r = Ctl({"org", "create", "--name", "益阳市教育局", "--level", "city",
             "--id", "yiyang-edu", "--parent", "organizations/hunan-edu",
             "--alias", "中共益阳市委教育工作委员会"});
    ASSERT_EQ(r.exit_code, 0) << r;
    upb::Organization yiyang;
    ASSERT_NO_FATAL_FAILURE(CtlJson({"org", "get", "yiyang-edu"}, &yiyang));
    EXPECT_EQ(yiyang.parent(), "organizations/hunan-edu");
    EXPECT_EQ(yiyang.level(), upb::Organization::CITY);
  }

  void Import(const std::string& file, const std::string& id,
              const std::string& parent = "") {
    std::vector<std::string> args = {"plan", "import", file, "--id", id};
    if (!parent.empty()) {
      args.push_back("--parent");
      args.push_back(parent);
    }
    const ProcessResult r = Ctl(args);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  UnitDirectory Units(const std::string& org) {
    upb::ListUnitsResponse units;
    CtlJson({"unit", "list", "--org", org}, &units);
    return UnitDirectory(std::move(units));
  }

  upb::ListAssignmentsResponse Assignments(const std::string& plan) {
    upb::ListAssignmentsResponse assignments;
    CtlJson({"assignments", "--plan", plan}, &assignments);
    return assignments;
  }

  ppb::Plan GetPlan(const std::string& plan) {
    ppb::Plan out;
    CtlJson({"plan", "get", plan}, &out);
    return out;
  }

  // After `units resolve`: one unit carries both forms of a name, and no
  // unit is named by the short form alone.
  void ExpectOneUnitForBothForms(const UnitDirectory& units,
                                 const std::string& seed_file,
                                 const std::string& short_form,
                                 const std::string& long_form) {
    SCOPED_TRACE(absl::StrCat(short_form, " / ", long_form));
    ASSERT_TRUE(SeedPrints(seed_file, long_form));
    int with_long = 0;
    int with_short = 0;
    int short_named = 0;
    for (const upb::Unit& unit : units.units().units()) {
      const std::set<std::string> names = UnitDirectory::NamesOf(unit);
      if (names.count(long_form) > 0) ++with_long;
      if (names.count(short_form) > 0) {
        ++with_short;
        EXPECT_EQ(names.count(long_form), 1u) << unit.DebugString();
      }
      if (unit.short_name() == short_form) ++short_named;
    }
    EXPECT_EQ(with_long, 1);
    EXPECT_EQ(short_named, 0);
    // The short form is an alias of the long one exactly when it is
    // printed.
    EXPECT_EQ(with_short, SeedPrints(seed_file, short_form) ? 1 : 0);
  }

  // The plan's assignments are exactly the seed's units: per item, the
  // first unit LEAD and the others CO, and per unit, as many items as the
  // seed lists it on. Returns the per-unit counts for the record.
  std::map<std::string, int> ExpectAssignmentsMatchSeed(
      const std::string& plan, const std::string& org,
      const std::vector<PrintedItem>& printed) {
    SCOPED_TRACE(plan);
    const UnitDirectory units = Units(org);
    const upb::ListAssignmentsResponse assignments = Assignments(plan);

    // Expected, from the seed text: (item, unit short name) → role.
    std::map<std::pair<std::string, std::string>, upb::Role> expected_roles;
    std::map<std::string, int> expected_counts;
    std::set<std::string> expected_units;
    for (const PrintedItem& item : printed) {
      const std::string item_name =
          absl::StrCat("plans/", plan, "/items/", item.id);
      for (std::size_t i = 0; i < item.units.size(); ++i) {
        const std::string unit = units.Find(item.units[i]);
        EXPECT_FALSE(unit.empty()) << "no unit is named " << item.units[i];
        if (unit.empty()) continue;
        expected_units.insert(unit);
        const std::string short_name = units.ShortName(unit);
        expected_roles[{item_name, short_name}] = i == 0 ? upb::LEAD : upb::CO;
        ++expected_counts[short_name];
      }
    }

    std::map<std::pair<std::string, std::string>, upb::Role> roles;
    std::map<std::string, int> counts;
    std::map<std::string, int> leads;
    for (const upb::Assignment& a : assignments.assignments()) {
      EXPECT_EQ(a.state(), upb::Assignment::ACTIVE) << a.DebugString();
      EXPECT_EQ(a.plan(), absl::StrCat("plans/", plan));
      // Groups without members are assigned themselves.
      EXPECT_THAT(a.via_group(), IsEmpty()) << a.DebugString();
      const std::string short_name = units.ShortName(a.unit());
      EXPECT_TRUE(
          roles.emplace(std::make_pair(a.item(), short_name), a.role()).second)
          << "assigned twice: " << a.DebugString();
      ++counts[short_name];
      if (a.role() == upb::LEAD) ++leads[a.item()];
    }
    EXPECT_EQ(roles, expected_roles);
    EXPECT_EQ(counts, expected_counts);
    // Every item with a real unit has exactly one LEAD; an item printing
    // only placeholders has no assignment at all.
    for (const PrintedItem& item : printed) {
      const std::string item_name =
          absl::StrCat("plans/", plan, "/items/", item.id);
      EXPECT_EQ(leads[item_name], item.units.empty() ? 0 : 1) << item_name;
    }
    // One unit per distinct name: nothing was created twice.
    EXPECT_EQ(static_cast<std::size_t>(units.units().units_size()),
              expected_units.size());
    return counts;
  }
};

int CountOf(const std::map<std::string, int>& counts, const std::string& unit) {
  auto it = counts.find(unit);
  return it == counts.end() ? 0 : it->second;
}

std::string Describe(const std::map<std::string, int>& counts) {
  std::vector<std::string> parts;
  for (const auto& [unit, count] : counts) {
    parts.push_back(absl::StrCat(unit, "=", count));
  }
  return absl::StrJoin(parts, " ");
}

TEST(SeedExpectationsTest, ReadTheSeedsAsPrinted) {
  const std::vector<PrintedItem> yiyang = YiyangItems();
  ASSERT_EQ(yiyang.size(), 39u);
  // Item 6 prints only 各科室站; item 8
  // （体卫艺科、基教科、职教科、相关科室站）.
  EXPECT_THAT(yiyang[5].units, IsEmpty());
  EXPECT_EQ(yiyang[7].units,
            (std::vector<std::string>{"体卫艺科", "基教科", "职教科"}));
  // Item 18 prints 督导科, item 35 教师科: both read as their long forms.
  EXPECT_EQ(yiyang[17].units.back(), "教育督导科");
  EXPECT_EQ(yiyang[34].units.front(), "教师工作科");

  const std::vector<PrintedItem> hunan = HunanItems();
  ASSERT_EQ(hunan.size(), 34u);
  EXPECT_EQ(hunan.back().id, "general");
  EXPECT_EQ(hunan.back().units,
            (std::vector<std::string>{"办公室", "机关党委", "老干处"}));
  EXPECT_EQ(hunan[7].units.back(), "教育考试院");
  EXPECT_EQ(hunan[11].units.back(), "厅扶贫领导小组成员处室");
  EXPECT_TRUE(SeedPrints(kHunanFile, "考试院"));
  EXPECT_FALSE(SeedPrints(kYiyangFile, "考试院"));
}

TEST(UnitCommandsUsageTest, BadArgumentsExitTwoWithoutCallingAServer) {
  // Port 1 on loopback: nothing listens there; usage errors must not get
  // that far.
  const std::vector<std::vector<std::string>> commands = {
      {"unit", "get", "基教科"},  // a printed name needs --org
      {"unit", "get", "Not/A_Unit"},
      {"unit", "list", "--org", "hunan-edu", "--kind", "bogus"},
      {"org", "create", "--name", "湖南省教育厅", "--level", "nation"},
      {"assignments", "--plan", "hunan-2020", "--unit", "hunan-edu/jijiao"},
      {"assignments"},
      {"reassign", "hunan-2020", "19", "--from", "o/a", "--to", "o/b"},
      {"reassign", "hunan-2020", "19", "--from", "o/a", "--to", "o/b",
       "--reason", "r", "--mode", "swap"},
      {"units", "resolve"},
  };
  for (std::vector<std::string> args : commands) {
    args.insert(args.begin(), {kDubanctl, "--plan-addr", "127.0.0.1:1",
                               "--unit-addr", "127.0.0.1:1"});
    const ProcessResult r = RunProcess(args, {}, kCommandTimeout);
    EXPECT_EQ(r.exit_code, 2) << absl::StrJoin(args, " ") << "\n" << r;
    EXPECT_THAT(r.err, Not(HasSubstr("UNAVAILABLE"))) << r;
  }
}

TEST_F(IssueFlowTest, BothSeedsGoFromImportThroughResolveToIssue) {
  ASSERT_NO_FATAL_FAILURE(CreateOrganizations());
  ASSERT_NO_FATAL_FAILURE(Import(kHunanFile, "hunan-2020"));
  ASSERT_NO_FATAL_FAILURE(
      Import(kYiyangFile, "yiyang-2020", "plans/hunan-2020"));

  // Organizations but no units: issuing is refused, naming the names.
  ProcessResult r = Ctl({"plan", "issue", "hunan-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: FAILED_PRECONDITION: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("\"秘书处\"")) << r;
  EXPECT_THAT(r.err, HasSubstr("still DRAFT")) << r;
  r = Ctl({"plan", "issue", "yiyang-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: FAILED_PRECONDITION: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("\"组宣部\"")) << r;
  EXPECT_EQ(GetPlan("yiyang-2020").state(), ppb::Plan::DRAFT);

  // Resolving alone changes nothing and says what is missing.
  r = Ctl({"units", "resolve", "--plan", "yiyang-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: FAILED_PRECONDITION: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("督导科")) << r;
  EXPECT_THAT(r.out, HasSubstr("0 unit(s) created, 0 alias(es) added")) << r;

  // Resolving with the fixes: long forms are created first, short forms
  // become their aliases.
  r = Ctl({"units", "resolve", "--plan", "hunan-2020", "--create-missing",
           "--accept-suggestions"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("organization organizations/hunan-edu")) << r;
  EXPECT_THAT(r.out, HasSubstr("考试院 → 教育考试院")) << r;
  EXPECT_THAT(r.out, HasSubstr(" 0 unresolved;")) << r;
  r = Ctl({"units", "resolve", "--plan", "plans/yiyang-2020",
           "--create-missing", "--accept-suggestions"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("organization organizations/yiyang-edu")) << r;
  EXPECT_THAT(r.out, HasSubstr("督导科 → 教育督导科")) << r;
  EXPECT_THAT(r.out, HasSubstr("教师科 → 教师工作科")) << r;
  EXPECT_THAT(r.out, HasSubstr(" 0 unresolved;")) << r;
  // Run again, it finds nothing left to do.
  r = Ctl({"units", "resolve", "--plan", "yiyang-2020", "--create-missing",
           "--accept-suggestions"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("0 unit(s) created, 0 alias(es) added")) << r;

  {
    SCOPED_TRACE("yiyang units");
    const UnitDirectory units = Units("yiyang-edu");
    ExpectOneUnitForBothForms(units, kYiyangFile, "督导科", "教育督导科");
    ExpectOneUnitForBothForms(units, kYiyangFile, "教师科", "教师工作科");
    ExpectOneUnitForBothForms(units, kYiyangFile, "考试院", "教育考试院");
  }
  {
    SCOPED_TRACE("hunan units");
    const UnitDirectory units = Units("organizations/hunan-edu");
    ExpectOneUnitForBothForms(units, kHunanFile, "考试院", "教育考试院");
    // Groups are units of their own, assigned as such.
    const std::string group = units.Find("厅扶贫领导小组成员处室");
    ASSERT_FALSE(group.empty());
    for (const upb::Unit& unit : units.units().units()) {
      if (unit.name() == group) {
        EXPECT_EQ(unit.kind(), upb::Unit::WORKING_GROUP);
      }
    }
  }

  r = Ctl({"plan", "issue", "hunan-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"plan", "issue", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(GetPlan("yiyang-2020").state(), ppb::Plan::ISSUED);

  const std::map<std::string, int> yiyang =
      ExpectAssignmentsMatchSeed("yiyang-2020", "yiyang-edu", YiyangItems());
  const std::map<std::string, int> hunan =
      ExpectAssignmentsMatchSeed("hunan-2020", "hunan-edu", HunanItems());
  // A few counts by hand, so that a wrong reading of the seed shows too.
  EXPECT_EQ(CountOf(yiyang, "基教科"), 15);
  EXPECT_EQ(CountOf(yiyang, "教育督导科"), 3);  // 督导科 ×2, 教育督导科 ×1
  EXPECT_EQ(CountOf(yiyang, "教师工作科"), 6);  // 教师工作科 ×5, 教师科 ×1
  EXPECT_EQ(CountOf(yiyang, "教育考试院"), 1);
  EXPECT_EQ(CountOf(hunan, "教育考试院"), 2);  // 考试院 ×1, 教育考试院 ×1
  EXPECT_EQ(CountOf(hunan, "厅扶贫领导小组"), 1);
  EXPECT_EQ(CountOf(hunan, "老干处"), 1);  // the closing duty only
  std::cout << "yiyang-2020 assignments per unit: " << Describe(yiyang)
            << "\nhunan-2020 assignments per unit: " << Describe(hunan)
            << std::endl;

  // Item 6 prints only 各科室站: nobody answers for it.
  upb::ListAssignmentsResponse item6;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"assignments", "--item", "yiyang-2020", "6"}, &item6));
  EXPECT_THAT(item6.assignments(), IsEmpty());
  // The table shows units by short name.
  r = Ctl({"assignments", "--item", "yiyang-2020", "18"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("教育督导科")) << r;
  EXPECT_THAT(r.out, HasSubstr("LEAD")) << r;
}

TEST_F(IssueFlowTest,
       IssueWithUnitServerKilledFailsUnavailableAndChangesNothing) {
  ProcessResult r = Ctl({"org", "create", "--name", "益阳市教育局", "--level",
                         "city", "--id", "yiyang-edu"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_NO_FATAL_FAILURE(Import(kYiyangFile, "yiyang-2020"));
  r = Ctl({"units", "resolve", "--plan", "yiyang-2020", "--create-missing",
           "--accept-suggestions"});
  ASSERT_EQ(r.exit_code, 0) << r;

  unit_server_.Kill();
  r = Ctl({"plan", "issue", "yiyang-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: UNAVAILABLE: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("still DRAFT")) << r;
  const ppb::Plan draft = GetPlan("yiyang-2020");
  EXPECT_EQ(draft.state(), ppb::Plan::DRAFT);
  EXPECT_FALSE(draft.has_issued_by());

  // Back on the same port: no assignment was left behind, and issuing
  // works.
  const absl::Status restarted = unit_server_.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
  ASSERT_NO_FATAL_FAILURE(WaitServing("unit"));
  EXPECT_THAT(Assignments("yiyang-2020").assignments(), IsEmpty());
  upb::ListAssignmentsResponse history;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"assignments", "--plan", "yiyang-2020", "--history"}, &history));
  EXPECT_THAT(history.assignments(), IsEmpty());

  r = Ctl({"plan", "issue", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(GetPlan("yiyang-2020").state(), ppb::Plan::ISSUED);
  const upb::ListAssignmentsResponse issued = Assignments("yiyang-2020");
  int expected = 0;
  for (const PrintedItem& item : YiyangItems()) {
    expected += static_cast<int>(item.units.size());
  }
  EXPECT_EQ(issued.assignments_size(), expected);
}

TEST_F(IssueFlowTest, ReassignAndDeactivateHandItemsOverKeepingHistory) {
  ProcessResult r = Ctl({"org", "create", "--name", "益阳市教育局", "--level",
                         "city", "--id", "yiyang-edu"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_NO_FATAL_FAILURE(Import(kYiyangFile, "yiyang-2020"));
  r = Ctl({"units", "resolve", "--plan", "yiyang-2020", "--create-missing",
           "--accept-suggestions"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"plan", "issue", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const UnitDirectory units = Units("yiyang-edu");
  const std::string supervision = units.Find("教育督导科");
  const std::string personnel = units.Find("人事科");
  const std::string secretariat = units.Find("秘书科");

  // Item 18 moves from 督导科 (a printed name, found in the plan's
  // organization) to 人事科.
  r = Ctl({"reassign", "yiyang-2020", "18", "--from", "督导科", "--to",
           "人事科", "--reason", "督导职能调整"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Moved plans/yiyang-2020/items/18")) << r;
  upb::ListAssignmentsResponse history;
  ASSERT_NO_FATAL_FAILURE(CtlJson(
      {"assignments", "--item", "yiyang-2020", "18", "--history"}, &history));
  int ended = 0;
  for (const upb::Assignment& a : history.assignments()) {
    if (a.unit() == supervision) {
      EXPECT_EQ(a.state(), upb::Assignment::ENDED);
      EXPECT_EQ(a.end_reason(), "督导职能调整");
      ++ended;
    }
  }
  EXPECT_EQ(ended, 1);

  // 人事科 answers for 33 and now 18; it cannot go while it does, unless
  // another unit takes them over.
  upb::ListUnitResponsibilitiesResponse duties;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"responsibilities", "人事科", "--org", "yiyang-edu"}, &duties));
  std::set<std::string> items;
  for (const upb::Assignment& a : duties.assignments()) items.insert(a.item());
  EXPECT_EQ(items, (std::set<std::string>{"plans/yiyang-2020/items/18",
                                          "plans/yiyang-2020/items/33"}));
  r = Ctl({"unit", "deactivate", personnel});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: FAILED_PRECONDITION: ")) << r;
  r = Ctl({"unit", "deactivate", "人事科", "--org", "益阳市教育局",
           "--reassign-to", "秘书科", "--reason", "机构改革"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("2 assignment(s) ended")) << r;
  ASSERT_NO_FATAL_FAILURE(CtlJson({"responsibilities", secretariat}, &duties));
  items.clear();
  for (const upb::Assignment& a : duties.assignments()) items.insert(a.item());
  EXPECT_EQ(items.count("plans/yiyang-2020/items/18"), 1u);
  EXPECT_EQ(items.count("plans/yiyang-2020/items/33"), 1u);
  // Inactive units are listed only when asked for.
  EXPECT_TRUE(Units("yiyang-edu").Find("人事科").empty());
  upb::ListUnitsResponse all;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"unit", "list", "--org", "yiyang-edu", "--inactive"}, &all));
  EXPECT_EQ(UnitDirectory(all).Find("人事科"), personnel);
}

}  // namespace
}  // namespace duban
