// The unit domain's rules on the in-memory store: names, etags, name
// uniqueness, the PENDING → ACTIVE protocol of plan assignments, group
// expansion, reassignment with history, deactivation, retries on conflict.
// (The same rules over gRPC and Redis are covered by
// tests/integration/unit_service_test.cc.)
#include "services/unit/unit_domain.h"

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/unit/memory_store.h"

namespace duban::unit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using v1::Assignment;
using v1::Organization;
using v1::Unit;

// A store that reports a conflict on the next `conflicts` assignment
// writes, as if another writer got in between the read and the write.
class ConflictingStore : public MemoryUnitStore {
 public:
  int conflicts = 0;
  int write_calls = 0;
  absl::StatusOr<WriteOutcome> WriteAssignments(
      absl::string_view org_id, const AssignmentWrite& write) override {
    ++write_calls;
    if (conflicts > 0) {
      --conflicts;
      return AssignmentsChanged(org_id);
    }
    return MemoryUnitStore::WriteAssignments(org_id, write);
  }
};

class UnitDomainTest : public ::testing::Test {
 protected:
  UnitDomainTest()
      : domain_(&store_, [] { return absl::FromUnixSeconds(1600000000); }) {}

  Organization MakeOrg(const std::string& id, const std::string& display,
                       std::vector<std::string> aliases = {},
                       const std::string& parent = "") {
    v1::CreateOrganizationRequest request;
    request.set_organization_id(id);
    request.mutable_organization()->set_display_name(display);
    for (auto& alias : aliases)
      request.mutable_organization()->add_aliases(alias);
    request.mutable_organization()->set_level(Organization::CITY);
    request.mutable_organization()->set_parent(parent);
    auto org = domain_.CreateOrganization(request);
    EXPECT_TRUE(org.ok()) << org.status();
    return org.ok() ? *org : Organization();
  }

  absl::StatusOr<Unit> CreateUnit(const std::string& id,
                                  const std::string& short_name,
                                  Unit::Kind kind = Unit::OFFICE,
                                  std::vector<std::string> members = {},
                                  const std::string& full_name = "") {
    v1::CreateUnitRequest request;
    request.set_parent("organizations/yy");
    request.set_unit_id(id);
    request.mutable_unit()->set_short_name(short_name);
    request.mutable_unit()->set_full_name(full_name);
    request.mutable_unit()->set_kind(kind);
    for (auto& m : members) {
      request.mutable_unit()->add_members("organizations/yy/units/" + m);
    }
    return domain_.CreateUnit(request);
  }

  // 益阳市教育局 with a few units as the city seed prints them.
  void SeedYiyang() {
    MakeOrg("yy", "益阳市教育局",
            {"中共益阳市委教育工作委员会", "益阳市委教育工委"});
    ASSERT_TRUE(
        CreateUnit("jjk", "基教科", Unit::OFFICE, {}, "基础教育科").ok());
    ASSERT_TRUE(CreateUnit("zjk", "职教科").ok());
    ASSERT_TRUE(CreateUnit("dd", "教育督导科").ok());
    ASSERT_TRUE(CreateUnit("jsk", "教师工作科").ok());
    ASSERT_TRUE(CreateUnit("fpxz", "厅扶贫领导小组", Unit::WORKING_GROUP,
                           {"jjk", "zjk"})
                    .ok());
  }

  v1::CreatePlanAssignmentsRequest PlanRequest(
      std::vector<std::tuple<std::string, std::string, v1::Role>> entries,
      const std::string& request_id = "issue-1",
      const std::string& plan = "plans/p") {
    v1::CreatePlanAssignmentsRequest request;
    request.set_organization("organizations/yy");
    request.set_plan(plan);
    request.set_request_id(request_id);
    request.set_principal("督查室");
    for (auto& [item, name, role] : entries) {
      auto* e = request.add_entries();
      e->set_item(plan + "/items/" + item);
      e->set_printed_name(name);
      e->set_role(role);
    }
    return request;
  }

  // Creates and commits the plan's assignments; answers them.
  std::vector<Assignment> Issue(
      std::vector<std::tuple<std::string, std::string, v1::Role>> entries,
      const std::string& plan = "plans/p") {
    auto created = domain_.CreatePlanAssignments(
        PlanRequest(std::move(entries), "issue-" + plan, plan));
    EXPECT_TRUE(created.ok()) << created.status();
    v1::CommitPlanAssignmentsRequest commit;
    commit.set_plan(plan);
    EXPECT_TRUE(domain_.CommitPlanAssignments(commit).ok());
    if (!created.ok()) return {};
    return {created->assignments().begin(), created->assignments().end()};
  }

  std::vector<std::string> Units(const std::vector<Assignment>& assignments) {
    std::vector<std::string> out;
    for (const auto& a : assignments) out.push_back(LastSegment(a.unit()));
    return out;
  }

  std::vector<Assignment> List(const v1::ListAssignmentsRequest& request) {
    auto listed = domain_.ListAssignments(request);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return {};
    return {listed->assignments().begin(), listed->assignments().end()};
  }
  std::vector<Assignment> ListByItem(const std::string& item,
                                     bool include_ended = false) {
    v1::ListAssignmentsRequest request;
    request.set_item(item);
    request.set_include_ended(include_ended);
    return List(request);
  }
  std::vector<Assignment> Responsibilities(const std::string& unit_id) {
    v1::ListUnitResponsibilitiesRequest request;
    request.set_unit("organizations/yy/units/" + unit_id);
    auto listed = domain_.ListUnitResponsibilities(request);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return {};
    return {listed->assignments().begin(), listed->assignments().end()};
  }

  ConflictingStore store_;
  UnitDomain domain_;
};

TEST(UnitNamesTest, ParsersAcceptOnlyTheirPatterns) {
  EXPECT_EQ(*ParseOrganizationName("name", "organizations/yy"), "yy");
  auto unit = ParseUnitName("name", "organizations/yy/units/jjk");
  ASSERT_TRUE(unit.ok());
  EXPECT_EQ(unit->first, "yy");
  EXPECT_EQ(unit->second, "jjk");
  EXPECT_EQ(*ParsePlanName("plan", "plans/p-1"), "p-1");
  EXPECT_EQ(ParseItemName("item", "plans/p/items/3.1")->second, "3.1");
  for (const char* bad : {"", "organizations/", "organizations/Y", "orgs/yy",
                          "organizations/yy/units"}) {
    auto parsed = ParseOrganizationName("name", bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr("name"));
  }
  for (const char* bad :
       {"organizations/yy", "organizations/yy/units/",
        "organizations/yy/unit/x", "organizations/yy/units/X"}) {
    EXPECT_EQ(ParseUnitName("unit", bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(ParseItemName("item", "plans/p/items/a b").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(UnitDomainTest, CreateOrganizationValidatesAndIsIdempotent) {
  v1::CreateOrganizationRequest request;
  request.set_request_id("org-1");
  auto missing = domain_.CreateOrganization(request);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(),
              HasSubstr("organization.display_name"));
  request.mutable_organization()->set_display_name("湖南省教育厅");
  auto no_level = domain_.CreateOrganization(request);
  EXPECT_THAT(no_level.status().message(), HasSubstr("organization.level"));
  request.mutable_organization()->set_level(Organization::PROVINCE);
  auto first = domain_.CreateOrganization(request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(first->name(), HasSubstr("organizations/org-"));  // derived id
  auto again = domain_.CreateOrganization(request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), first->name());
  EXPECT_EQ(again->etag(), first->etag());
  request.mutable_organization()->set_display_name("别的名字");
  EXPECT_EQ(domain_.CreateOrganization(request).status().code(),
            absl::StatusCode::kInvalidArgument);  // request id reused
}

TEST_F(UnitDomainTest, OrganizationNamesAndAliasesAreUniqueAfterNormalization) {
  MakeOrg("yy", "益阳市教育局", {"益阳市委教育工委"});
  v1::CreateOrganizationRequest request;
  request.set_organization_id("dup");
  request.mutable_organization()->set_display_name("益阳市委 教育工委");
  request.mutable_organization()->set_level(Organization::CITY);
  auto dup = domain_.CreateOrganization(request);
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.status().message(), HasSubstr("organizations/yy"));
}

TEST_F(UnitDomainTest, ListOrganizationsFindsACoIssuerByAlias) {
  Organization province = MakeOrg("hn", "湖南省教育厅");
  MakeOrg("yy", "益阳市教育局",
          {"中共益阳市委教育工作委员会", "益阳市委教育工委"}, province.name());
  MakeOrg("cs", "长沙市教育局", {}, province.name());
  v1::ListOrganizationsRequest request;
  request.set_printed_name("中共益阳市委教育工作委员会");
  auto found = domain_.ListOrganizations(request);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->organizations_size(), 1);
  EXPECT_EQ(found->organizations(0).name(), "organizations/yy");

  v1::ListOrganizationsRequest children;
  children.set_parent(province.name());
  children.set_page_size(1);
  std::vector<std::string> names;
  for (int page = 0; page < 5; ++page) {
    auto listed = domain_.ListOrganizations(children);
    ASSERT_TRUE(listed.ok()) << listed.status();
    for (const auto& org : listed->organizations()) names.push_back(org.name());
    if (listed->next_page_token().empty()) break;
    children.set_page_token(listed->next_page_token());
  }
  EXPECT_THAT(names, ElementsAre("organizations/cs", "organizations/yy"));
}

TEST_F(UnitDomainTest, HierarchyHasNoCyclesAndNoDanglingParents) {
  Organization province = MakeOrg("hn", "湖南省教育厅");
  Organization city = MakeOrg("yy", "益阳市教育局", {}, province.name());
  v1::UpdateOrganizationRequest request;
  request.mutable_organization()->set_name(province.name());
  request.mutable_organization()->set_parent(city.name());
  request.mutable_update_mask()->add_paths("parent");
  auto cycle = domain_.UpdateOrganization(request);
  EXPECT_EQ(cycle.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cycle.status().message(), HasSubstr("own ancestor"));
  request.mutable_organization()->set_parent("organizations/none");
  EXPECT_EQ(domain_.UpdateOrganization(request).status().code(),
            absl::StatusCode::kNotFound);

  v1::DeleteOrganizationRequest del;
  del.set_name(province.name());
  auto parent = domain_.DeleteOrganization(del);
  EXPECT_EQ(parent.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(parent.message(), HasSubstr("organizations/yy"));
  del.set_name(city.name());
  EXPECT_TRUE(domain_.DeleteOrganization(del).ok());
  del.set_name(province.name());
  EXPECT_TRUE(domain_.DeleteOrganization(del).ok());
}

TEST_F(UnitDomainTest, UpdateOrganizationChecksTheEtagAndMask) {
  Organization org = MakeOrg("yy", "益阳市教育局");
  v1::UpdateOrganizationRequest request;
  request.mutable_organization()->set_name(org.name());
  request.mutable_organization()->set_display_name("益阳市教育局（新）");
  request.mutable_organization()->set_etag(org.etag());
  request.mutable_update_mask()->add_paths("display_name");
  auto updated = domain_.UpdateOrganization(request);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "益阳市教育局（新）");
  EXPECT_NE(updated->etag(), org.etag());
  auto stale = domain_.UpdateOrganization(request);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("organization.etag"));
  request.mutable_organization()->clear_etag();
  request.mutable_update_mask()->add_paths("name");
  EXPECT_EQ(domain_.UpdateOrganization(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(UnitDomainTest,
       UnitNamesAreUniqueWithinTheOrganizationAfterNormalization) {
  SeedYiyang();
  auto dup = CreateUnit("x", "基 教 科");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.status().message(), HasSubstr("organizations/yy/units/jjk"));
  auto full = CreateUnit("y", "基础教育科");  // jjk's full name
  EXPECT_EQ(full.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(UnitDomainTest, CreateUnitValidatesKindAndMembers) {
  SeedYiyang();
  auto no_kind = CreateUnit("a", "安管办", Unit::KIND_UNSPECIFIED);
  EXPECT_EQ(no_kind.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_kind.status().message(), HasSubstr("unit.kind"));
  auto members = CreateUnit("b", "安管办", Unit::OFFICE, {"jjk"});
  EXPECT_THAT(members.status().message(), HasSubstr("only WORKING_GROUP"));
  auto self = CreateUnit("g", "安全领导小组", Unit::WORKING_GROUP, {"g"});
  EXPECT_THAT(self.status().message(), HasSubstr("its own member"));
  auto missing = CreateUnit("g", "安全领导小组", Unit::WORKING_GROUP, {"nope"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  v1::CreateUnitRequest other_org;
  other_org.set_parent("organizations/yy");
  other_org.mutable_unit()->set_short_name("安全领导小组");
  other_org.mutable_unit()->set_kind(Unit::WORKING_GROUP);
  other_org.mutable_unit()->add_members("organizations/hn/units/jjk");
  EXPECT_THAT(domain_.CreateUnit(other_org).status().message(),
              HasSubstr("must be a unit of organizations/yy"));
  auto no_org = domain_.CreateUnit([] {
    v1::CreateUnitRequest r;
    r.set_parent("organizations/none");
    r.mutable_unit()->set_short_name("基教科");
    r.mutable_unit()->set_kind(Unit::OFFICE);
    return r;
  }());
  EXPECT_EQ(no_org.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(UnitDomainTest, AliasesAreAddedAndRemovedIdempotently) {
  SeedYiyang();
  v1::AddUnitAliasRequest add;
  add.set_name("organizations/yy/units/dd");
  add.set_alias("督导科");
  auto added = domain_.AddUnitAlias(add);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_THAT(added->aliases(), ElementsAre("督导科"));
  auto again = domain_.AddUnitAlias(add);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->etag(), added->etag());  // nothing changed
  add.set_name("organizations/yy/units/jsk");
  EXPECT_EQ(domain_.AddUnitAlias(add).status().code(),
            absl::StatusCode::kAlreadyExists);
  add.set_etag("v1");
  add.set_alias("教师科");
  EXPECT_TRUE(domain_.AddUnitAlias(add).ok());
  EXPECT_EQ(
      domain_.AddUnitAlias(add).status().code(),
      absl::StatusCode::kAborted);  // the etag is checked first: v1 is stale
  v1::RemoveUnitAliasRequest remove;
  remove.set_name("organizations/yy/units/dd");
  remove.set_alias(" 督导科 ");
  auto removed = domain_.RemoveUnitAlias(remove);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_THAT(removed->aliases(), IsEmpty());
  EXPECT_TRUE(domain_.RemoveUnitAlias(remove).ok());
  // The name is free for another unit now.
  add.set_name("organizations/yy/units/zjk");
  add.set_alias("督导科");
  add.clear_etag();
  EXPECT_TRUE(domain_.AddUnitAlias(add).ok());
}

TEST_F(UnitDomainTest, UpdateUnitCannotDeactivateButCanReactivate) {
  SeedYiyang();
  v1::UpdateUnitRequest request;
  request.mutable_unit()->set_name("organizations/yy/units/zjk");
  request.mutable_update_mask()->add_paths("active");
  auto refused = domain_.UpdateUnit(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("DeactivateUnit"));
  v1::DeactivateUnitRequest deactivate;
  deactivate.set_name("organizations/yy/units/zjk");
  ASSERT_TRUE(domain_.DeactivateUnit(deactivate).ok());
  request.mutable_unit()->set_active(true);
  auto back = domain_.UpdateUnit(request);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->active());
}

TEST_F(UnitDomainTest, PlanAssignmentsStayInvisibleUntilCommitted) {
  SeedYiyang();
  auto created = domain_.CreatePlanAssignments(PlanRequest({
      {"1", "基教科", v1::LEAD},
      {"1", "职教科", v1::CO},
      {"1", "相关科室站", v1::CO},
      {"2", "教育督导科", v1::LEAD},
  }));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->assignments_size(), 3);
  for (const auto& a : created->assignments()) {
    EXPECT_EQ(a.state(), Assignment::PENDING);
    EXPECT_EQ(a.assigned().principal(), "督查室");
    EXPECT_EQ(a.assigned().request_id(), "issue-1");
  }
  EXPECT_EQ(created->assignments(0).role(), v1::LEAD);
  EXPECT_EQ(created->assignments(1).role(), v1::CO);
  ASSERT_EQ(created->skipped_size(), 1);
  EXPECT_EQ(created->skipped(0).printed_name(), "相关科室站");

  EXPECT_THAT(ListByItem("plans/p/items/1"), IsEmpty());
  EXPECT_THAT(Responsibilities("jjk"), IsEmpty());

  v1::CommitPlanAssignmentsRequest commit;
  commit.set_plan("plans/p");
  commit.set_request_id("issue-1");
  auto committed = domain_.CommitPlanAssignments(commit);
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->committed_count(), 3);
  EXPECT_THAT(Units(ListByItem("plans/p/items/1")), ElementsAre("jjk", "zjk"));
  EXPECT_THAT(Units(Responsibilities("dd")), ElementsAre("dd"));
  // Idempotent.
  committed = domain_.CommitPlanAssignments(commit);
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(committed->committed_count(), 0);
}

TEST_F(UnitDomainTest, RetriedCreateAnswersTheSameAssignments) {
  SeedYiyang();
  auto request =
      PlanRequest({{"1", "基教科", v1::LEAD}, {"2", "职教科", v1::LEAD}});
  auto first = domain_.CreatePlanAssignments(request);
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = domain_.CreatePlanAssignments(request);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->assignments_size(), 2);
  EXPECT_EQ(again->assignments(0).name(), first->assignments(0).name());
  EXPECT_EQ(again->assignments(1).name(), first->assignments(1).name());

  auto changed = PlanRequest({{"1", "基教科", v1::CO}});
  auto reused = domain_.CreatePlanAssignments(changed);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reused.status().message(), HasSubstr("request_id"));
  auto other = domain_.CreatePlanAssignments(
      PlanRequest({{"1", "基教科", v1::LEAD}}, "issue-2"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(other.status().message(), HasSubstr("plans/p"));
}

TEST_F(UnitDomainTest,
       UnresolvedNamesAreListedWithSuggestionsAndNothingIsStored) {
  SeedYiyang();
  auto refused = domain_.CreatePlanAssignments(PlanRequest({
      {"1", "基教科", v1::LEAD},
      {"2", "督导科", v1::LEAD},
      {"3", "教师科", v1::CO},
      {"4", "财务科", v1::CO},
      {"5", "厅新冠肺炎疫情防控领导小组成员处室", v1::CO},
  }));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(refused.status().message());
  EXPECT_THAT(message, HasSubstr("4 printed unit name(s)"));
  EXPECT_THAT(message, HasSubstr("\"督导科\" (plans/p/items/2)"));
  EXPECT_THAT(message, HasSubstr("organizations/yy/units/dd \"教育督导科\""));
  EXPECT_THAT(message, HasSubstr("\"教师科\""));
  EXPECT_THAT(message, HasSubstr("\"财务科\" (plans/p/items/4): no unit"));
  EXPECT_THAT(message, HasSubstr("no WORKING_GROUP unit"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("\"基教科\"")));
  v1::CommitPlanAssignmentsRequest commit;
  commit.set_plan("plans/p");
  EXPECT_EQ(domain_.CommitPlanAssignments(commit).status().code(),
            absl::StatusCode::kNotFound);

  // Confirming the suggestion as an alias makes the name resolve.
  v1::AddUnitAliasRequest alias;
  alias.set_name("organizations/yy/units/dd");
  alias.set_alias("督导科");
  ASSERT_TRUE(domain_.AddUnitAlias(alias).ok());
  EXPECT_TRUE(
      domain_.CreatePlanAssignments(PlanRequest({{"2", "督导科", v1::LEAD}}))
          .ok());
}

TEST_F(UnitDomainTest, GroupsExpandToActiveMembersAndDuplicatesMerge) {
  SeedYiyang();
  auto assignments = Issue({
      {"12", "职教科", v1::CO},
      {"12", "厅扶贫领导小组成员处室", v1::LEAD},
      {"13", "基教科", v1::LEAD},
      {"13", "基础教育科", v1::CO},  // the same unit again
  });
  ASSERT_EQ(assignments.size(), 3u);
  EXPECT_THAT(Units(assignments), ElementsAre("zjk", "jjk", "jjk"));
  EXPECT_EQ(assignments[0].role(), v1::LEAD);  // promoted by the group entry
  EXPECT_EQ(assignments[1].via_group(), "organizations/yy/units/fpxz");
  EXPECT_EQ(assignments[1].printed_name(), "厅扶贫领导小组成员处室");
  EXPECT_EQ(assignments[2].role(), v1::LEAD);
}

TEST_F(UnitDomainTest, GroupWithoutActiveMembersIsAssignedItself) {
  SeedYiyang();
  ASSERT_TRUE(CreateUnit("aq", "安全领导小组", Unit::WORKING_GROUP).ok());
  auto assignments = Issue({{"1", "安全领导小组成员单位", v1::LEAD}});
  ASSERT_EQ(assignments.size(), 1u);
  EXPECT_EQ(LastSegment(assignments[0].unit()), "aq");
  EXPECT_TRUE(assignments[0].via_group().empty());
}

TEST_F(UnitDomainTest, DiscardRemovesPendingAssignmentsOnly) {
  SeedYiyang();
  ASSERT_TRUE(domain_
                  .CreatePlanAssignments(
                      PlanRequest({{"1", "基教科", v1::LEAD}}, "attempt-1"))
                  .ok());
  v1::DiscardPlanAssignmentsRequest discard;
  discard.set_plan("plans/p");
  discard.set_request_id("attempt-2");
  EXPECT_EQ(domain_.DiscardPlanAssignments(discard).status().code(),
            absl::StatusCode::kFailedPrecondition);  // another attempt's
  discard.set_request_id("attempt-1");
  auto discarded = domain_.DiscardPlanAssignments(discard);
  ASSERT_TRUE(discarded.ok()) << discarded.status();
  EXPECT_EQ(discarded->discarded_count(), 1);
  EXPECT_EQ(domain_.DiscardPlanAssignments(discard)->discarded_count(), 0);
  // A new attempt may create them again, then they are committed for good.
  Issue({{"1", "职教科", v1::LEAD}});
  discard.clear_request_id();
  auto late = domain_.DiscardPlanAssignments(discard);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(late.status().message(), HasSubstr("committed"));
  EXPECT_THAT(Units(ListByItem("plans/p/items/1")), ElementsAre("zjk"));
}

TEST_F(UnitDomainTest, APlansAssignmentsLiveInOneOrganization) {
  SeedYiyang();
  MakeOrg("hn", "湖南省教育厅");
  v1::CreateUnitRequest unit;
  unit.set_parent("organizations/hn");
  unit.set_unit_id("jjc");
  unit.mutable_unit()->set_short_name("基教处");
  unit.mutable_unit()->set_kind(Unit::OFFICE);
  ASSERT_TRUE(domain_.CreateUnit(unit).ok());
  ASSERT_TRUE(
      domain_.CreatePlanAssignments(PlanRequest({{"1", "基教科", v1::LEAD}}))
          .ok());
  auto elsewhere = PlanRequest({{"1", "基教处", v1::LEAD}}, "hn-1");
  elsewhere.set_organization("organizations/hn");
  auto refused = domain_.CreatePlanAssignments(elsewhere);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("organizations/yy"));
  // Once the first organization holds nothing of the plan, it may move.
  v1::DiscardPlanAssignmentsRequest discard;
  discard.set_plan("plans/p");
  ASSERT_TRUE(domain_.DiscardPlanAssignments(discard).ok());
  auto moved = domain_.CreatePlanAssignments(elsewhere);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->assignments(0).unit(), "organizations/hn/units/jjc");
}

TEST_F(UnitDomainTest, ReassignMoveEndsTheOldAssignmentAndKeepsHistory) {
  SeedYiyang();
  Issue({{"7", "基教科", v1::LEAD}, {"7", "职教科", v1::CO}});
  v1::ReassignItemRequest request;
  request.set_item("plans/p/items/7");
  request.set_from_unit("organizations/yy/units/jjk");
  request.set_to_unit("organizations/yy/units/dd");
  request.set_mode(v1::ReassignItemRequest::MOVE);
  request.set_reason("职责调整");
  request.set_principal("督查室");
  request.set_request_id("move-1");
  auto moved = domain_.ReassignItem(request);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->from_assignment().state(), Assignment::ENDED);
  EXPECT_EQ(moved->from_assignment().end_reason(), "职责调整");
  EXPECT_EQ(moved->from_assignment().ended().principal(), "督查室");
  EXPECT_EQ(moved->to_assignment().state(), Assignment::ACTIVE);
  EXPECT_EQ(moved->to_assignment().role(), v1::LEAD);  // the old role
  EXPECT_EQ(moved->to_assignment().replaces(), moved->from_assignment().name());

  EXPECT_THAT(Units(ListByItem("plans/p/items/7")), ElementsAre("zjk", "dd"));
  EXPECT_THAT(Units(ListByItem("plans/p/items/7", true)),
              ElementsAre("jjk", "zjk", "dd"));
  EXPECT_THAT(Responsibilities("jjk"), IsEmpty());

  // A retry answers the first result and changes nothing.
  auto retried = domain_.ReassignItem(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->to_assignment().name(), moved->to_assignment().name());
  EXPECT_EQ(retried->from_assignment().state(), Assignment::ENDED);
  EXPECT_EQ(ListByItem("plans/p/items/7", true).size(), 3u);
  request.set_reason("另一个理由");
  EXPECT_EQ(domain_.ReassignItem(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(UnitDomainTest, ReassignAddKeepsTheOldAssignmentAndRefusesDuplicates) {
  SeedYiyang();
  Issue({{"7", "基教科", v1::LEAD}});
  v1::ReassignItemRequest request;
  request.set_item("plans/p/items/7");
  request.set_from_unit("organizations/yy/units/jjk");
  request.set_to_unit("organizations/yy/units/zjk");
  request.set_mode(v1::ReassignItemRequest::ADD);
  request.set_reason("增加配合单位");
  auto added = domain_.ReassignItem(request);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->from_assignment().state(), Assignment::ACTIVE);
  EXPECT_EQ(added->to_assignment().role(), v1::CO);
  EXPECT_THAT(Units(ListByItem("plans/p/items/7")), ElementsAre("jjk", "zjk"));
  auto again = domain_.ReassignItem(request);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  request.set_from_unit("organizations/yy/units/dd");
  auto nothing = domain_.ReassignItem(request);
  EXPECT_EQ(nothing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(nothing.status().message(), HasSubstr("from_unit"));
  request.set_from_unit("organizations/yy/units/jjk");
  request.set_to_unit("organizations/hn/units/x");
  EXPECT_EQ(domain_.ReassignItem(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_to_unit("organizations/yy/units/none");
  EXPECT_EQ(domain_.ReassignItem(request).status().code(),
            absl::StatusCode::kNotFound);
  request.clear_reason();
  request.set_to_unit("organizations/yy/units/dd");
  EXPECT_THAT(domain_.ReassignItem(request).status().message(),
              HasSubstr("reason"));
}

TEST_F(UnitDomainTest, ReassignRefusesPendingItemsAndInactiveUnits) {
  SeedYiyang();
  ASSERT_TRUE(
      domain_.CreatePlanAssignments(PlanRequest({{"7", "基教科", v1::LEAD}}))
          .ok());
  v1::ReassignItemRequest request;
  request.set_item("plans/p/items/7");
  request.set_from_unit("organizations/yy/units/jjk");
  request.set_to_unit("organizations/yy/units/zjk");
  request.set_mode(v1::ReassignItemRequest::MOVE);
  request.set_reason("调整");
  auto pending = domain_.ReassignItem(request);
  EXPECT_EQ(pending.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pending.status().message(), HasSubstr("PENDING"));
  v1::CommitPlanAssignmentsRequest commit;
  commit.set_plan("plans/p");
  ASSERT_TRUE(domain_.CommitPlanAssignments(commit).ok());
  v1::DeactivateUnitRequest deactivate;
  deactivate.set_name("organizations/yy/units/zjk");
  ASSERT_TRUE(domain_.DeactivateUnit(deactivate).ok());
  auto inactive = domain_.ReassignItem(request);
  EXPECT_EQ(inactive.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(inactive.status().message(), HasSubstr("inactive"));
}

TEST_F(UnitDomainTest, DeactivateIsRefusedWhileTheUnitHoldsAssignments) {
  SeedYiyang();
  Issue({{"1", "基教科", v1::LEAD}, {"2", "基教科", v1::CO}});
  v1::DeactivateUnitRequest request;
  request.set_name("organizations/yy/units/jjk");
  auto refused = domain_.DeactivateUnit(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("2 active assignment(s)"));
  EXPECT_THAT(refused.status().message(), HasSubstr("plans/p/items/2, CO"));
  EXPECT_TRUE(domain_
                  .GetUnit([] {
                    v1::GetUnitRequest r;
                    r.set_name("organizations/yy/units/jjk");
                    return r;
                  }())
                  ->active());
  request.set_reassign_to("organizations/yy/units/zjk");
  EXPECT_THAT(domain_.DeactivateUnit(request).status().message(),
              HasSubstr("reason"));
}

TEST_F(UnitDomainTest, DeactivateWithReassignToHandsEverythingOverAtOnce) {
  SeedYiyang();
  Issue({{"1", "基教科", v1::LEAD},
         {"2", "基教科", v1::LEAD},
         {"2", "职教科", v1::CO},
         {"3", "基教科", v1::CO}});
  v1::DeactivateUnitRequest request;
  request.set_name("organizations/yy/units/jjk");
  request.set_reassign_to("organizations/yy/units/zjk");
  request.set_reason("机构改革：基教科并入职教科");
  request.set_principal("督查室");
  auto done = domain_.DeactivateUnit(request);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_FALSE(done->unit().active());
  EXPECT_EQ(done->ended_size(), 3);
  // Items 1 and 3 are new for 职教科; on item 2 it is promoted to LEAD.
  ASSERT_EQ(done->reassigned_size(), 3);
  EXPECT_THAT(Responsibilities("jjk"), IsEmpty());
  auto taken = Responsibilities("zjk");
  ASSERT_EQ(taken.size(), 3u);
  for (const auto& a : taken) {
    if (a.item() == "plans/p/items/2" || a.item() == "plans/p/items/1") {
      EXPECT_EQ(a.role(), v1::LEAD) << a.item();
    } else {
      EXPECT_EQ(a.role(), v1::CO) << a.item();
    }
  }
  auto history = ListByItem("plans/p/items/1", true);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].state(), Assignment::ENDED);
  EXPECT_EQ(history[0].end_reason(), "机构改革：基教科并入职教科");
  EXPECT_EQ(history[1].replaces(), history[0].name());
  // Deactivating again is a no-op; the inactive unit no longer resolves for
  // new plans.
  EXPECT_TRUE(domain_.DeactivateUnit(request).ok());
  auto refused = domain_.CreatePlanAssignments(
      PlanRequest({{"1", "基教科", v1::LEAD}}, "q", "plans/q"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("inactive"));
}

TEST_F(UnitDomainTest, DeactivateIsRefusedWhileAssignmentsArePending) {
  SeedYiyang();
  ASSERT_TRUE(
      domain_.CreatePlanAssignments(PlanRequest({{"1", "职教科", v1::LEAD}}))
          .ok());
  v1::DeactivateUnitRequest request;
  request.set_name("organizations/yy/units/zjk");
  auto refused = domain_.DeactivateUnit(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("PENDING"));
  EXPECT_THAT(refused.status().message(), HasSubstr("plans/p"));
}

TEST_F(UnitDomainTest, ConflictingWritesAreRetriedButStaleEtagsAreNot) {
  SeedYiyang();
  store_.conflicts = 2;
  store_.write_calls = 0;
  auto created =
      domain_.CreatePlanAssignments(PlanRequest({{"1", "基教科", v1::LEAD}}));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(store_.write_calls, 3);

  store_.conflicts = 100;
  store_.write_calls = 0;
  v1::CommitPlanAssignmentsRequest commit;
  commit.set_plan("plans/p");
  EXPECT_EQ(domain_.CommitPlanAssignments(commit).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(store_.write_calls, 5);  // gave up after a few attempts
  store_.conflicts = 0;

  v1::DeactivateUnitRequest deactivate;
  deactivate.set_name("organizations/yy/units/dd");
  deactivate.set_etag("v7");
  store_.write_calls = 0;
  auto stale = domain_.DeactivateUnit(deactivate);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("etag"));
  EXPECT_EQ(store_.write_calls, 0);
}

TEST_F(UnitDomainTest, ListAssignmentsPagesAndNeedsExactlyOneSelector) {
  SeedYiyang();
  std::vector<std::tuple<std::string, std::string, v1::Role>> entries;
  for (int i = 1; i <= 7; ++i)
    entries.push_back({std::to_string(i), "基教科", v1::LEAD});
  Issue(entries);
  v1::ListAssignmentsRequest request;
  request.set_unit("organizations/yy/units/jjk");
  request.set_page_size(3);
  std::vector<std::string> items;
  for (int page = 0; page < 10; ++page) {
    auto listed = domain_.ListAssignments(request);
    ASSERT_TRUE(listed.ok()) << listed.status();
    for (const auto& a : listed->assignments()) items.push_back(a.item());
    if (listed->next_page_token().empty()) break;
    request.set_page_token(listed->next_page_token());
  }
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items.front(), "plans/p/items/1");
  EXPECT_EQ(items.back(), "plans/p/items/7");

  v1::ListAssignmentsRequest two;
  two.set_unit("organizations/yy/units/jjk");
  two.set_plan("plans/p");
  EXPECT_THAT(domain_.ListAssignments(two).status().message(),
              HasSubstr("exactly one"));
  v1::ListAssignmentsRequest unknown_plan;
  unknown_plan.set_plan("plans/none");
  EXPECT_THAT(List(unknown_plan), IsEmpty());
  v1::ListAssignmentsRequest unknown_unit;
  unknown_unit.set_unit("organizations/yy/units/none");
  EXPECT_EQ(domain_.ListAssignments(unknown_unit).status().code(),
            absl::StatusCode::kNotFound);
  v1::ListAssignmentsRequest bad_token;
  bad_token.set_plan("plans/p");
  bad_token.set_page_token("garbage!");
  EXPECT_EQ(domain_.ListAssignments(bad_token).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(UnitDomainTest, ResolveUnitNamesAnswersEachNameInOrder) {
  SeedYiyang();
  v1::ResolveUnitNamesRequest request;
  request.set_organization("organizations/yy");
  for (const char* name : {"基教科", "督导科", "相关科室站",
                           "厅扶贫领导小组成员处室", "不存在的科"}) {
    request.add_names(name);
  }
  auto resolved = domain_.ResolveUnitNames(request);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  ASSERT_EQ(resolved->resolutions_size(), 5);
  using R = v1::UnitNameResolution;
  EXPECT_EQ(resolved->resolutions(0).outcome(), R::RESOLVED);
  EXPECT_EQ(resolved->resolutions(1).outcome(), R::SUGGESTED);
  EXPECT_EQ(resolved->resolutions(2).outcome(), R::PLACEHOLDER);
  EXPECT_EQ(resolved->resolutions(3).outcome(), R::GROUP);
  EXPECT_EQ(resolved->resolutions(4).outcome(), R::UNKNOWN);
  request.add_names("");
  EXPECT_THAT(domain_.ResolveUnitNames(request).status().message(),
              HasSubstr("names[5]"));
  request.clear_names();
  EXPECT_EQ(domain_.ResolveUnitNames(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.add_names("基教科");
  request.set_organization("organizations/none");
  EXPECT_EQ(domain_.ResolveUnitNames(request).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(UnitDomainTest, ListOrganizationsShowsOnlyReadableOnesPageByPage) {
  for (const char* id : {"a1", "b1", "a2", "b2", "a3"}) {
    MakeOrg(id, absl::StrCat("机构", id));
  }
  Principal principal;
  for (const char* scope :
       {"organizations/a1", "organizations/a2/units/u", "organizations/a3"}) {
    principal.roles.push_back({Role::kReporter, *ParseScope(scope)});
  }
  const OrganizationFilter readable =
      OrganizationFilter::ReadableBy(&principal);
  std::vector<std::string> seen;
  v1::ListOrganizationsRequest request;
  request.set_page_size(1);
  int pages = 0;
  do {
    auto page = domain_.ListOrganizations(request, readable);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->organizations_size(), 1);
    for (const auto& org : page->organizations()) seen.push_back(org.name());
    request.set_page_token(page->next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!request.page_token().empty());
  EXPECT_EQ(seen,
            (std::vector<std::string>{"organizations/a1", "organizations/a2",
                                      "organizations/a3"}));
  EXPECT_EQ(pages, 3);
  auto all = domain_.ListOrganizations(v1::ListOrganizationsRequest());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->organizations_size(), 5);
}

}  // namespace
}  // namespace duban::unit
