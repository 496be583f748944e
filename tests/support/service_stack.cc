#include "tests/support/service_stack.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/observability.h"
#include "gtest/gtest.h"
#include "services/plan/plan_domain.h"
#include "services/plan/plan_organizations.h"
#include "services/plan/redis_store.h"
#include "services/plan/service.h"
#include "services/plan/unit_directory.h"
#include "services/progress/directory.h"
#include "services/progress/progress_domain.h"
#include "services/progress/redis_store.h"
#include "services/progress/service.h"
#include "services/unit/plan_organizations.h"
#include "services/unit/redis_store.h"
#include "services/unit/service.h"
#include "services/unit/unit_domain.h"
#include "tests/support/testdata.h"

namespace duban {

namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;
namespace gv1 = ::duban::progress::v1;

ClientTlsOptions PlaintextClient() {
  ClientTlsOptions tls;
  tls.plaintext = true;
  return tls;
}

std::string Address(const RunningServer& server) {
  return absl::StrCat("127.0.0.1:", server.port());
}

std::shared_ptr<grpc::Channel> ChannelTo(const RunningServer& server) {
  return grpc::CreateChannel(Address(server),
                             grpc::InsecureChannelCredentials());
}

absl::Time SeedNow() {
  return absl::FromCivil(absl::CivilSecond(2020, 7, 10, 10, 0, 0),
                         absl::FixedTimeZone(8 * 3600));
}

// unit-server's parts (services/unit/main.cc).
struct ServiceStack::Unit {
  explicit Unit(RedisPool* pool)
      : store(pool), domain(&store), service(&domain), organizations(&store) {}
  unit::RedisUnitStore store;
  unit::UnitDomain domain;
  unit::UnitServiceImpl service;
  unit::BoundPlanOrganizations organizations;
};

// plan-server's parts (services/plan/main.cc).
struct ServiceStack::Plan {
  Plan(RedisPool* pool, const std::string& unit_address,
       const CallPolicy& policy)
      : store(pool),
        units(unit_address, PlaintextClient(), policy),
        domain(&store, &units),
        service(&domain),
        organizations(&store) {}
  plan::RedisPlanStore store;
  plan::GrpcUnitDirectory units;
  plan::PlanDomain domain;
  plan::PlanServiceImpl service;
  plan::StoredPlanOrganizations organizations;
};

// One progress-server replica (services/progress/main.cc): its own pool,
// store, clients, caches and domain.
struct ServiceStack::Progress {
  Progress(const RedisOptions& redis, const std::string& plan_address,
           const std::string& unit_address, const ServiceStackOptions& options,
           const std::string& program)
      : pool(redis),
        store(&pool, &pool),
        plan_client(plan_address, PlaintextClient()),
        unit_client(unit_address, PlaintextClient()),
        plans(&plan_client),
        assignments(&unit_client),
        domain(&store, &plans, &assignments, options.clock),
        service(&domain, progress::WatchOptions{4, absl::Milliseconds(200), 100,
                                                WatchersGauge(program)}),
        organizations(&plans) {
    domain.set_allow_backdating(options.allow_backdating);
  }
  RedisPool pool;
  progress::RedisProgressStore store;
  progress::GrpcPlanDirectory plan_client;
  progress::GrpcUnitAssignments unit_client;
  progress::CachedPlanDirectory plans;
  progress::CachedUnitAssignments assignments;
  progress::ProgressDomain domain;
  progress::ProgressServiceImpl service;
  progress::DirectoryPlanOrganizations organizations;
  std::unique_ptr<RunningServer> server;
  std::unique_ptr<gv1::ProgressService::Stub> stub;
};

ServiceStack::ServiceStack(const RedisOptions& redis,
                           ServiceStackOptions options)
    : options_(std::move(options)), redis_(redis), pool_(redis) {
  unit_ = std::make_unique<Unit>(&pool_);
  if (!StartUnitServer() || !options_.plan) return;

  plan_ = std::make_unique<Plan>(&pool_, Address(*unit_server_),
                                 options_.unit_directory_policy);
  plan_server_ =
      Start({&plan_->service}, "duban.plan.v1.PlanService",
            options_.program.empty() ? "plan-server" : options_.program,
            &plan_->organizations);
  if (!plan_server_) return;
  plan_stub_ = pv1::PlanService::NewStub(ChannelTo(*plan_server_));

  const std::string progress_program =
      options_.program.empty() ? "progress-server" : options_.program;
  for (int i = 0; i < options_.progress_replicas; ++i) {
    auto replica = std::make_unique<Progress>(redis_, Address(*plan_server_),
                                              Address(*unit_server_), options_,
                                              progress_program);
    replica->server =
        Start({&replica->service}, "duban.progress.v1.ProgressService",
              progress_program, &replica->organizations);
    if (!replica->server) return;
    replica->stub = gv1::ProgressService::NewStub(ChannelTo(*replica->server));
    progress_.push_back(std::move(replica));
  }
}

ServiceStack::~ServiceStack() {
  for (auto& replica : progress_) {
    if (replica->server) replica->server->Shutdown();
  }
  if (plan_server_) plan_server_->Shutdown();
  if (unit_server_) unit_server_->Shutdown();
}

bool ServiceStack::ok() const {
  return unit_server_ != nullptr &&
         (!options_.plan || plan_server_ != nullptr) &&
         static_cast<int>(progress_.size()) ==
             (options_.plan ? options_.progress_replicas : 0);
}

RunningServer* ServiceStack::progress_server(int replica) {
  return replica < static_cast<int>(progress_.size())
             ? progress_[replica]->server.get()
             : nullptr;
}

gv1::ProgressService::Stub* ServiceStack::progress(int replica) {
  return replica < static_cast<int>(progress_.size())
             ? progress_[replica]->stub.get()
             : nullptr;
}

bool ServiceStack::StartUnitServer(int port) {
  unit_server_ =
      Start({&unit_->service}, "duban.unit.v1.UnitService",
            options_.program.empty() ? "unit-server" : options_.program,
            &unit_->organizations, port);
  if (!unit_server_) return false;
  unit_stub_ = uv1::UnitService::NewStub(ChannelTo(*unit_server_));
  return true;
}

std::unique_ptr<RunningServer> ServiceStack::Start(
    const std::vector<grpc::Service*>& services,
    const std::string& service_name, const std::string& program,
    PlanOrganizationResolver* resolver, int port) {
  ServerOptions options;
  options.service_name = service_name;
  options.listen = absl::StrCat("127.0.0.1:", port);
  options.tls.plaintext = true;
  options.observability.program = program;
  options.shutdown_deadline = absl::Seconds(2);
  options.auth.tokens = options_.tokens;
  options.auth.resolver =
      options_.resolver != nullptr ? options_.resolver : resolver;
  if (options_.audit) {
    options.audit.pool =
        options_.audit_pool != nullptr ? options_.audit_pool : &pool_;
  }
  auto started = StartServer(options, services);
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? std::move(started).value() : nullptr;
}

namespace {

// A unary call with `token` as its bearer token unless empty; a failure
// fails the test.
template <typename Stub, typename Request, typename Response>
void MustCall(Stub* stub,
              grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&,
                                        Response*),
              const Request& request, Response* response,
              const std::string& token) {
  grpc::ClientContext context;
  if (!token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  grpc::Status status = (stub->*rpc)(&context, request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

}  // namespace

void SeedYiyang(ServiceStack& stack, const std::string& token,
                YiyangSeed* seed) {
  ASSERT_TRUE(stack.ok());
  ASSERT_NE(stack.progress(), nullptr);
  pv1::ImportPlanRequest import;
  import.set_content(ReadTestdata("yiyang-education-2020.txt"));
  import.set_plan_id("yy2020");
  ASSERT_NO_FATAL_FAILURE(MustCall(stack.plan(),
                                   &pv1::PlanService::Stub::ImportPlan, import,
                                   &seed->imported, token));

  uv1::CreateOrganizationRequest org;
  org.set_organization_id("yy");
  org.mutable_organization()->set_display_name(
      seed->imported.plan().organization());
  org.mutable_organization()->set_level(uv1::Organization::CITY);
  uv1::Organization made_org;
  ASSERT_NO_FATAL_FAILURE(MustCall(stack.unit(),
                                   &uv1::UnitService::Stub::CreateOrganization,
                                   org, &made_org, token));
  std::set<std::string> done;
  for (const pv1::Item& item : seed->imported.items()) {
    for (const auto& ref : item.units()) {
      if (ref.kind() == pv1::UnitRef::PLACEHOLDER ||
          !done.insert(ref.printed_name()).second) {
        continue;
      }
      uv1::CreateUnitRequest unit;
      unit.set_parent("organizations/yy");
      unit.mutable_unit()->set_short_name(ref.printed_name());
      unit.mutable_unit()->set_kind(ref.kind() == pv1::UnitRef::GROUP
                                        ? uv1::Unit::WORKING_GROUP
                                        : uv1::Unit::OFFICE);
      uv1::Unit made;
      ASSERT_NO_FATAL_FAILURE(MustCall(stack.unit(),
                                       &uv1::UnitService::Stub::CreateUnit,
                                       unit, &made, token));
    }
  }

  pv1::IssuePlanRequest issue;
  issue.set_name("plans/yy2020");
  issue.set_principal("督查室");
  pv1::Plan issued;
  ASSERT_NO_FATAL_FAILURE(MustCall(
      stack.plan(), &pv1::PlanService::Stub::IssuePlan, issue, &issued, token));
  ASSERT_EQ(issued.issuing_organization(), "organizations/yy");

  uv1::ListAssignmentsRequest list;
  list.set_plan("plans/yy2020");
  list.set_page_size(1000);
  uv1::ListAssignmentsResponse assigned;
  ASSERT_NO_FATAL_FAILURE(MustCall(stack.unit(),
                                   &uv1::UnitService::Stub::ListAssignments,
                                   list, &assigned, token));
  ASSERT_GT(assigned.assignments_size(), 1);
  seed->assignments.assign(assigned.assignments().begin(),
                           assigned.assignments().end());
  seed->item = assigned.assignments(0).item();
  seed->unit = assigned.assignments(0).unit();
  for (const auto& a : assigned.assignments()) {
    bool on_item = false;
    for (const auto& b : assigned.assignments()) {
      on_item |= b.item() == seed->item && b.unit() == a.unit();
    }
    if (!on_item) {
      seed->other_unit = a.unit();
      break;
    }
  }
  ASSERT_FALSE(seed->other_unit.empty());

  gv1::SetScheduleRequest set;
  set.mutable_schedule()->set_name("plans/yy2020/schedule");
  set.mutable_schedule()->set_cadence(gv1::QUARTERLY);
  set.mutable_schedule()->set_due_days_after_period_end(5);
  set.set_principal("督查室");
  gv1::Schedule schedule;
  ASSERT_NO_FATAL_FAILURE(MustCall(stack.progress(),
                                   &gv1::ProgressService::Stub::SetSchedule,
                                   set, &schedule, token));
  EXPECT_EQ(schedule.first_period(), "2020-Q1");
}

}  // namespace duban
