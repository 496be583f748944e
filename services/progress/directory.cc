#include "services/progress/directory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace duban::progress {

namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;

DutySet::DutySet(const std::vector<uv1::Assignment>& assignments) {
  all_.reserve(assignments.size());
  for (const uv1::Assignment& a : assignments) {
    Duty duty{a.unit(), a.item(), a.role() == uv1::LEAD ? "LEAD" : "CO",
              a.printed_name()};
    by_item_[duty.item].push_back(duty);
    all_.push_back(std::move(duty));
  }
}

const std::vector<Duty>& DutySet::Of(absl::string_view item) const {
  static const std::vector<Duty>* const kNone = new std::vector<Duty>();
  auto it = by_item_.find(item);
  return it == by_item_.end() ? *kNone : it->second;
}

bool DutySet::Holds(absl::string_view unit) const {
  for (const Duty& d : all_) {
    if (d.unit == unit) return true;
  }
  return false;
}

Duties MakeDuties(const std::vector<uv1::Assignment>& assignments) {
  return std::make_shared<const DutySet>(assignments);
}

const pv1::Item* PlanSnapshot::FindItem(absl::string_view name) const {
  for (const pv1::Item& item : items) {
    if (item.name() == name) return &item;
  }
  return nullptr;
}

GrpcPlanDirectory::GrpcPlanDirectory(const std::string& address,
                                     const ClientTlsOptions& tls,
                                     CallPolicy policy)
    : callee_(absl::StrCat("plan service at ", address)),
      policy_(std::move(policy)),
      stub_(pv1::PlanService::NewStub(ServiceChannel(address, tls))) {}

absl::StatusOr<std::shared_ptr<const PlanSnapshot>> GrpcPlanDirectory::GetPlan(
    absl::string_view plan_name) {
  auto snapshot = std::make_shared<PlanSnapshot>();
  pv1::GetPlanRequest get;
  get.set_name(std::string(plan_name));
  DUBAN_RETURN_IF_ERROR(
      CallService(callee_, policy_, [&](grpc::ClientContext* context) {
        return stub_->GetPlan(context, get, &snapshot->plan);
      }));
  pv1::ListItemsRequest list;
  list.set_parent(std::string(plan_name));
  list.set_page_size(1000);
  do {
    pv1::ListItemsResponse page;
    DUBAN_RETURN_IF_ERROR(
        CallService(callee_, policy_, [&](grpc::ClientContext* context) {
          return stub_->ListItems(context, list, &page);
        }));
    for (auto& item : *page.mutable_items()) {
      snapshot->items.push_back(std::move(item));
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  return std::shared_ptr<const PlanSnapshot>(std::move(snapshot));
}

GrpcUnitAssignments::GrpcUnitAssignments(const std::string& address,
                                         const ClientTlsOptions& tls,
                                         CallPolicy policy)
    : callee_(absl::StrCat("unit service at ", address)),
      policy_(std::move(policy)),
      stub_(uv1::UnitService::NewStub(ServiceChannel(address, tls))) {}

absl::StatusOr<Duties> GrpcUnitAssignments::List(
    const uv1::ListAssignmentsRequest& first) {
  std::vector<uv1::Assignment> out;
  uv1::ListAssignmentsRequest request = first;
  request.set_page_size(1000);
  do {
    uv1::ListAssignmentsResponse page;
    DUBAN_RETURN_IF_ERROR(
        CallService(callee_, policy_, [&](grpc::ClientContext* context) {
          return stub_->ListAssignments(context, request, &page);
        }));
    for (auto& a : *page.mutable_assignments()) {
      if (a.state() == uv1::Assignment::ACTIVE) out.push_back(std::move(a));
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return MakeDuties(out);
}

absl::StatusOr<Duties> GrpcUnitAssignments::ItemAssignments(
    absl::string_view item_name) {
  uv1::ListAssignmentsRequest request;
  request.set_item(std::string(item_name));
  return List(request);
}

absl::StatusOr<Duties> GrpcUnitAssignments::PlanAssignments(
    absl::string_view plan_name) {
  uv1::ListAssignmentsRequest request;
  request.set_plan(std::string(plan_name));
  return List(request);
}

CachedPlanDirectory::CachedPlanDirectory(PlanDirectory* inner,
                                         CacheOptions options)
    : inner_(inner),
      cache_(options.ttl, options.max_entries, std::move(options.clock)) {}

absl::StatusOr<std::shared_ptr<const PlanSnapshot>>
CachedPlanDirectory::GetPlan(absl::string_view plan_name) {
  return cache_.Get(std::string(plan_name), false,
                    [&] { return inner_->GetPlan(plan_name); });
}

CachedUnitAssignments::CachedUnitAssignments(UnitAssignments* inner,
                                             CacheOptions options)
    : inner_(inner),
      cache_(options.ttl, options.max_entries, std::move(options.clock)) {}

absl::StatusOr<Duties> CachedUnitAssignments::ItemAssignments(
    absl::string_view item_name) {
  return cache_.Get(absl::StrCat("item:", item_name), false,
                    [&] { return inner_->ItemAssignments(item_name); });
}

absl::StatusOr<Duties> CachedUnitAssignments::ItemAssignmentsFresh(
    absl::string_view item_name) {
  return cache_.Get(absl::StrCat("item:", item_name), true,
                    [&] { return inner_->ItemAssignments(item_name); });
}

absl::StatusOr<Duties> CachedUnitAssignments::PlanAssignments(
    absl::string_view plan_name) {
  return cache_.Get(absl::StrCat("plan:", plan_name), false,
                    [&] { return inner_->PlanAssignments(plan_name); });
}

absl::StatusOr<std::string> DirectoryPlanOrganizations::OrganizationOfPlan(
    absl::string_view plan) {
  absl::StatusOr<std::shared_ptr<const PlanSnapshot>> snapshot =
      plans_->GetPlan(plan);
  if (!snapshot.ok()) return snapshot.status();
  absl::string_view org = (*snapshot)->plan.issuing_organization();
  if (!absl::ConsumePrefix(&org, "organizations/") || org.empty()) {
    return absl::NotFoundError("the plan names no issuing organization");
  }
  return std::string(org);
}

}  // namespace duban::progress
