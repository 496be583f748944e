// End to end: the dubanctl binary against a real plan-server (and the
// unit-server it calls to issue a plan) on a real redis-server, as a
// supervisor would use them. Every test starts its own processes on free
// loopback ports, so tests run in parallel and leave nothing behind.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duban/plan/v1/plan_service.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/cli_stack.h"
#include "tests/support/process.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

namespace pb = ::duban::plan::v1;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// dubanctl with no server behind it: only what it checks by itself.
ProcessResult Dubanctl(std::vector<std::string> args,
                       std::vector<std::string> env = {}) {
  args.insert(args.begin(), kDubanctl);
  return RunProcess(std::move(args), std::move(env));
}

TEST(DubanctlUsageTest, UsageErrorsExitTwoWithoutCallingAServer) {
  // Port 1 on loopback: nothing listens there; usage errors must not get
  // that far.
  const std::string addr = "--plan-addr=127.0.0.1:1";
  ProcessResult r = Dubanctl({addr, "plan", "get"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Dubanctl({addr, "plan", "list", "--state", "bogus"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--state")) << r;
  r = Dubanctl({addr, "plan", "get", "Not_An_Id"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, StartsWith("error: INVALID_ARGUMENT: ")) << r;
  r = Dubanctl({addr, "plan", "import", "/nonexistent/plan.txt"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/plan.txt")) << r;
  r = Dubanctl({addr, "--timeout", "soon", "plan", "list"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Dubanctl({addr, "frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Dubanctl({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("plan")) << r;
}

TEST(DubanctlUsageTest, UnreachableServerIsNamedWithItsAddress) {
  const std::string addr = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
  const absl::Time start = absl::Now();
  ProcessResult r = Dubanctl({"plan", "list"}, {"DUBAN_PLAN_ADDR=" + addr});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: UNAVAILABLE: cannot reach plan-server "
                                "at " +
                                addr))
      << r;
  // Three retries with backoff, not the whole --timeout per attempt.
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));

  r = Dubanctl({"--plan-addr", addr, "health"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr(addr)) << r;
}

// For one test: a redis-server, a unit-server (plan-server asks it about
// units when a plan is issued) and a plan-server.
class DubanctlTest : public CliStackTest {
 protected:
  DubanctlTest()
      : CliStackTest(Options("e2e", absl::Seconds(300), absl::Seconds(30))) {}

  // Fills the unit service with what issuing `imported` needs: its issuing
  // organization and a unit for every name printed on its items
  // (placeholders such as 相关处室 are never assigned). Directly over gRPC
  // until dubanctl has unit commands.
  void RegisterUnitsOf(const pb::ImportPlanResponse& imported) {
    namespace unit = ::duban::unit::v1;
    auto stub = unit::UnitService::NewStub(
        grpc::CreateChannel(unit_addr_, grpc::InsecureChannelCredentials()));
    const auto call = [](const auto& rpc) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      return rpc(&context);
    };
    unit::CreateOrganizationRequest org_request;
    org_request.set_organization_id("org");
    org_request.mutable_organization()->set_display_name(
        imported.plan().organization());
    org_request.mutable_organization()->set_level(unit::Organization::PROVINCE);
    unit::Organization org;
    grpc::Status status = call([&](grpc::ClientContext* context) {
      return stub->CreateOrganization(context, org_request, &org);
    });
    ASSERT_TRUE(status.ok()) << status.error_message();

    std::set<std::string> created;
    for (const auto& item : imported.items()) {
      for (const auto& ref : item.units()) {
        if (ref.kind() == pb::UnitRef::PLACEHOLDER ||
            !created.insert(ref.printed_name()).second) {
          continue;
        }
        unit::CreateUnitRequest request;
        request.set_parent(org.name());
        request.mutable_unit()->set_short_name(ref.printed_name());
        request.mutable_unit()->set_kind(ref.kind() == pb::UnitRef::GROUP
                                             ? unit::Unit::WORKING_GROUP
                                             : unit::Unit::OFFICE);
        unit::Unit created_unit;
        status = call([&](grpc::ClientContext* context) {
          return stub->CreateUnit(context, request, &created_unit);
        });
        ASSERT_TRUE(status.ok())
            << ref.printed_name() << ": " << status.error_message();
      }
    }
  }

  // Imports a seed with a fixed id; returns the parsed response.
  pb::ImportPlanResponse Import(const std::string& file,
                                const std::string& id) {
    ProcessResult r = Ctl({"plan", "import", file, "--id", id, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r;
    pb::ImportPlanResponse response;
    EXPECT_TRUE(ParseJson(r.out, &response));
    return response;
  }

  std::vector<std::string> PlanNames() {
    ProcessResult r = Ctl({"plan", "list", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r;
    pb::ListPlansResponse response;
    EXPECT_TRUE(ParseJson(r.out, &response));
    std::vector<std::string> names;
    for (const auto& plan : response.plans()) names.push_back(plan.name());
    return names;
  }
};

int CountNumbered(const pb::ImportPlanResponse& response) {
  return static_cast<int>(std::count_if(
      response.items().begin(), response.items().end(),
      [](const pb::Item& item) { return item.kind() == pb::Item::NUMBERED; }));
}

int CountTopLevelSections(const pb::Plan& plan) {
  return static_cast<int>(std::count_if(
      plan.sections().begin(), plan.sections().end(),
      [](const pb::Section& s) { return s.parent_id().empty(); }));
}

TEST_F(DubanctlTest, ImportsBothSeedsAndListsThem) {
  ProcessResult r = Ctl({"plan", "import", kHunanFile, "--id", "hunan-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Imported plans/hunan-2020 (DRAFT)"));
  EXPECT_THAT(r.out, HasSubstr("湖南省教育厅"));
  EXPECT_THAT(r.out, HasSubstr("sections"));
  EXPECT_THAT(r.out, HasSubstr("items"));
  EXPECT_THAT(r.out, Not(HasSubstr("nothing was stored")));

  const pb::ImportPlanResponse yiyang = Import(kYiyangFile, "yiyang-2020");
  EXPECT_TRUE(yiyang.stored());
  EXPECT_EQ(yiyang.plan().name(), "plans/yiyang-2020");
  // The seed prints 9 section headings (two numbered 三) and 39 items.
  EXPECT_EQ(CountTopLevelSections(yiyang.plan()), 9);
  EXPECT_EQ(CountNumbered(yiyang), 39);

  EXPECT_THAT(PlanNames(),
              ElementsAreArray({"plans/hunan-2020", "plans/yiyang-2020"}));
  r = Ctl({"plan", "list"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r;
  EXPECT_THAT(lines[0], StartsWith("PLAN"));
  EXPECT_THAT(lines[1], StartsWith("hunan-2020"));
  EXPECT_THAT(lines[1], HasSubstr("DRAFT"));
  EXPECT_THAT(lines[2], StartsWith("yiyang-2020"));

  r = Ctl({"plan", "get", "plans/hunan-2020", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::Plan hunan;
  ASSERT_TRUE(ParseJson(r.out, &hunan));
  // 8 sections and 33 numbered items, plus the closing catch-all paragraph.
  EXPECT_EQ(CountTopLevelSections(hunan), 8);
  EXPECT_GE(hunan.item_count(), 33);
}

TEST_F(DubanctlTest, DryRunStoresNothing) {
  ProcessResult r =
      Ctl({"plan", "import", kYiyangFile, "--id", "yiyang-2020", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Dry run: nothing was stored."));
  EXPECT_THAT(r.out, HasSubstr("plans/yiyang-2020"));
  EXPECT_THAT(PlanNames(), IsEmpty());
  r = Ctl({"plan", "get", "yiyang-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: NOT_FOUND: ")) << r;

  Import(kHunanFile, "hunan-2020");
  r = Ctl({"plan", "import", kYiyangFile, "--dry-run", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::ImportPlanResponse dry;
  ASSERT_TRUE(ParseJson(r.out, &dry));
  EXPECT_FALSE(dry.stored());
  EXPECT_EQ(CountNumbered(dry), 39);
  EXPECT_THAT(PlanNames(), ElementsAreArray({"plans/hunan-2020"}));
}

TEST_F(DubanctlTest, ImportShowsWarningsWithLineNumbers) {
  ProcessResult r = Ctl({"plan", "import", kYiyangFile, "--dry-run", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::ImportPlanResponse response;
  ASSERT_TRUE(ParseJson(r.out, &response));
  // The seed repeats section label 三: the importer must say so.
  ASSERT_FALSE(response.warnings().empty());

  r = Ctl({"plan", "import", kYiyangFile, "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const auto& warning : response.warnings()) {
    bool line_shown = false;
    for (const std::string& line : Lines(r.out)) {
      if (absl::StrContains(line, warning.code()) &&
          absl::StartsWith(absl::StripLeadingAsciiWhitespace(line),
                           absl::StrCat(warning.line(), " "))) {
        line_shown = true;
      }
    }
    EXPECT_TRUE(line_shown) << "line " << warning.line() << " of "
                            << warning.code() << " not shown\n"
                            << r;
  }
}

TEST_F(DubanctlTest, ItemsByUnitAreExactlyTheItemsNamingTheUnit) {
  Import(kYiyangFile, "yiyang-2020");
  ProcessResult r = Ctl({"plan", "items", "yiyang-2020", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::ListItemsResponse all;
  ASSERT_TRUE(ParseJson(r.out, &all));
  std::vector<std::string> expected;
  for (const auto& item : all.items()) {
    for (const auto& unit : item.units()) {
      if (unit.printed_name() == "基教科") {
        expected.push_back(item.name());
        break;
      }
    }
  }
  // 15 items of the seed end in a unit list naming 基教科.
  EXPECT_EQ(expected.size(), 15u);

  r = Ctl({"plan", "items", "plans/yiyang-2020", "--unit", "基教科", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::ListItemsResponse filtered;
  ASSERT_TRUE(ParseJson(r.out, &filtered));
  std::vector<std::string> got;
  for (const auto& item : filtered.items()) got.push_back(item.name());
  EXPECT_THAT(got, ElementsAreArray(expected));
  EXPECT_EQ(filtered.total_size(), static_cast<int>(expected.size()));

  // The table shows the same items, one line each, by id (--wide: the unit
  // lists in full).
  r = Ctl({"plan", "items", "yiyang-2020", "--unit", "基教科", "--wide"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), expected.size() + 1) << r;
  EXPECT_THAT(lines[0], StartsWith("ITEM"));
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string id = expected[i].substr(expected[i].rfind('/') + 1);
    EXPECT_THAT(lines[i + 1], StartsWith(id + " ")) << r;
    EXPECT_THAT(lines[i + 1], HasSubstr("基教科")) << r;
  }
}

TEST_F(DubanctlTest, ItemShowsUnitsWithRolesAndKinds) {
  Import(kYiyangFile, "yiyang-2020");
  // Item 8: （体卫艺科、基教科、职教科、相关科室站）.
  ProcessResult r = Ctl({"plan", "item", "yiyang-2020", "8", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::Item item;
  ASSERT_TRUE(ParseJson(r.out, &item));
  EXPECT_EQ(item.name(), "plans/yiyang-2020/items/8");
  ASSERT_EQ(item.units_size(), 4);
  EXPECT_EQ(item.units(0).printed_name(), "体卫艺科");
  EXPECT_EQ(item.units(0).role(), pb::LEAD);
  EXPECT_EQ(item.units(1).printed_name(), "基教科");
  EXPECT_EQ(item.units(1).role(), pb::CO);
  EXPECT_EQ(item.units(3).kind(), pb::UnitRef::PLACEHOLDER);

  r = Ctl({"plan", "item", "yiyang-2020", "plans/yiyang-2020/items/8"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("全力做好开学复课工作准备"));
  EXPECT_THAT(r.out, HasSubstr("LEAD"));
  EXPECT_THAT(r.out, HasSubstr("PLACEHOLDER"));
  EXPECT_THAT(r.out, HasSubstr("相关科室站"));

  r = Ctl({"plan", "item", "yiyang-2020", "999"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: NOT_FOUND: ")) << r;
}

TEST_F(DubanctlTest, IssueTwiceFailsWithFailedPrecondition) {
  ASSERT_NO_FATAL_FAILURE(RegisterUnitsOf(Import(kHunanFile, "hunan-2020")));
  ProcessResult r =
      Ctl({"plan", "issue", "hunan-2020", "--principal", "e2e-supervisor"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Issued plans/hunan-2020 (ISSUED"));

  r = Ctl({"plan", "issue", "hunan-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: FAILED_PRECONDITION: ")) << r;

  // An issued plan is not deleted, and is shown as issued by whom.
  r = Ctl({"plan", "delete", "hunan-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: FAILED_PRECONDITION: ")) << r;
  r = Ctl({"--json", "plan", "get", "hunan-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::Plan plan;
  ASSERT_TRUE(ParseJson(r.out, &plan));
  EXPECT_EQ(plan.state(), pb::Plan::ISSUED);
  EXPECT_EQ(plan.issued_by().principal(), "e2e-supervisor");

  r = Ctl({"plan", "list", "--state", "issued"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("hunan-2020"));
  r = Ctl({"plan", "list", "--state", "draft"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("hunan-2020")));

  r = Ctl({"plan", "archive", "hunan-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("ARCHIVED"));
}

TEST_F(DubanctlTest, StaleEtagIsAborted) {
  const pb::ImportPlanResponse imported = Import(kHunanFile, "hunan-2020");
  ASSERT_NO_FATAL_FAILURE(RegisterUnitsOf(imported));
  const std::string draft_etag = imported.plan().etag();
  ASSERT_FALSE(draft_etag.empty());
  ProcessResult r =
      Ctl({"plan", "issue", "hunan-2020", "--etag", draft_etag, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  pb::Plan issued;
  ASSERT_TRUE(ParseJson(r.out, &issued));
  EXPECT_NE(issued.etag(), draft_etag);
  // The draft's etag is stale once the plan is issued.
  r = Ctl({"plan", "archive", "hunan-2020", "--etag", draft_etag});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: ABORTED: ")) << r;
  r = Ctl({"plan", "archive", "hunan-2020", "--etag", issued.etag()});
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(DubanctlTest, UnknownPlanIsNotFound) {
  ProcessResult r = Ctl({"plan", "get", "nowhere-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: NOT_FOUND: ")) << r;
  EXPECT_THAT(r.out, IsEmpty());
  r = Ctl({"plan", "items", "nowhere-2020"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: NOT_FOUND: ")) << r;
}

TEST_F(DubanctlTest, JsonOutputIsOneParsableDocument) {
  Import(kHunanFile, "hunan-2020");
  ProcessResult r = Ctl({"plan", "get", "hunan-2020", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 1u) << r;
  pb::Plan plan;
  ASSERT_TRUE(ParseJson(r.out, &plan));
  EXPECT_EQ(plan.name(), "plans/hunan-2020");
  EXPECT_EQ(plan.state(), pb::Plan::DRAFT);
  EXPECT_EQ(plan.year(), 2020);
  EXPECT_THAT(plan.title(), HasSubstr("湖南省教育厅"));
  EXPECT_EQ(plan.source_name(), "hunan-education-2020.txt");
  // Proto field names, and defaults printed.
  EXPECT_THAT(r.out, HasSubstr("\"item_count\":"));
  EXPECT_THAT(r.out, HasSubstr("\"parent_plan\":\"\""));

  r = Ctl({"plan", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 1u) << r;
  r = Ctl({"health", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"status\":\"SERVING\""));
}

TEST_F(DubanctlTest, ServerAddressFromEnvironment) {
  ProcessResult r =
      RunProcess({kDubanctl, "plan", "list"},
                 {"DUBAN_PLAN_ADDR=" + plan_addr_, "DUBAN_PLAINTEXT=1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("No plans."));
}

}  // namespace
}  // namespace duban
