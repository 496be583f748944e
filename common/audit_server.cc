#include "common/audit_server.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/auth_server.h"
#include "common/log.h"
#include "common/observability.h"
#include "common/status.h"
#include "common/tls.h"
#include "duban/audit/v1/audit_service.grpc.pb.h"
#include "google/protobuf/message.h"

namespace duban {
namespace {

namespace av1 = ::duban::audit::v1;
using ::grpc::experimental::InterceptionHookPoints;
using ::grpc::experimental::Interceptor;
using ::grpc::experimental::InterceptorBatchMethods;
using ::grpc::experimental::ServerRpcInfo;

// Who made the call (see the header).
void SetPrincipal(const grpc::ServerContextBase& context,
                  av1::AuditRecord* record) {
  if (const Principal* principal = PrincipalOf(context)) {
    record->set_principal(principal->id);
    record->set_principal_kind(std::string(PrincipalKindName(principal->kind)));
    return;
  }
  const PeerIdentity peer = PeerIdentityOf(context);
  if (peer.verified) {
    std::string name = peer.common_name;
    if (name.empty() && !peer.subject_alt_names.empty()) {
      name = peer.subject_alt_names.front();
    }
    if (name.empty()) name = peer.subject;
    record->set_principal(name);
    record->set_principal_kind("certificate");
    return;
  }
  record->set_principal("anonymous");
  record->set_principal_kind("anonymous");
}

// The organization of a plan by the resolver: "organizations/{org}", ""
// when the plan is unknown (or there is no resolver), or the failure.
absl::StatusOr<std::string> ResolvePlan(PlanOrganizationResolver* resolver,
                                        const std::string& plan) {
  if (resolver == nullptr || plan.empty()) return std::string();
  absl::StatusOr<std::string> org = resolver->OrganizationOfPlan(plan);
  if (org.ok()) return org->empty() ? "" : absl::StrCat("organizations/", *org);
  if (org.status().code() == absl::StatusCode::kNotFound) return std::string();
  return org.status();
}

// One call of an audited method.
class AuditRecorder : public Interceptor {
 public:
  AuditRecorder(AuditTrail* trail, ServerRpcInfo* info,
                const AuditedMethod* method)
      : trail_(trail), info_(info), method_(method) {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      request_id_ = RequestIdHeader(methods);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        request_ == nullptr) {
      KeepRequest(methods->GetRecvMessage());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE) &&
        request_ != nullptr && !change_.has_value()) {
      // Unary handlers send their response as a MessageLite.
      const auto* lite = static_cast<const google::protobuf::MessageLite*>(
          methods->GetSendMessage());
      const auto* response =
          dynamic_cast<const google::protobuf::Message*>(lite);
      if (response != nullptr &&
          response->GetDescriptor() == method_->response_type) {
        change_ = method_->describe(*request_, *response);
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().ok() && change_.has_value() &&
        change_->recorded) {
      if (!Record().ok()) {
        methods->ModifySendStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                               kAuditNotStoredMessage));
      }
    }
    methods->Proceed();
  }

 private:
  void KeepRequest(void* received) {
    const auto* message = static_cast<const google::protobuf::Message*>(
        static_cast<const void*>(received));
    if (message == nullptr ||
        message->GetDescriptor() != method_->request_type) {
      return;
    }
    // The handler destroys the request before the response is sent.
    request_.reset(message->New());
    request_->CopyFrom(*message);
    std::string id = RequestIdOf(*request_, method_->request_id);
    if (!id.empty()) request_id_ = std::move(id);
    if (method_->resolve_before) {
      const google::protobuf::Message* nothing =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(
              method_->response_type);
      AuditedChange before = method_->describe(*request_, *nothing);
      absl::StatusOr<std::string> org =
          ResolvePlan(trail_->resolver(), before.plan);
      if (org.ok()) organization_before_ = *org;
    }
  }

  absl::Status Record() {
    av1::AuditRecord record;
    SetPrincipal(*info_->server_context(), &record);
    record.set_method(std::string(absl::StripPrefix(method_->method, "/")));
    record.set_request_id(request_id_);
    record.set_resource(change_->resource);
    record.set_summary(change_->summary);
    record.set_service(trail_->program());
    std::string organization = change_->organization;
    if (organization.empty()) {
      absl::StatusOr<std::string> resolved =
          ResolvePlan(trail_->resolver(), change_->plan);
      if (!resolved.ok()) return Failed(record, resolved.status());
      organization = resolved->empty() ? organization_before_ : *resolved;
    }
    record.set_organization(organization);
    absl::StatusOr<bool> stored = trail_->log()->Append(&record);
    if (!stored.ok()) return Failed(record, stored.status());
    if (*stored) {
      Log(LogLevel::kInfo, "audit",
          {{"id", record.id()},
           {"principal", record.principal()},
           {"principal_kind", record.principal_kind()},
           {"method", record.method()},
           {"request_id", record.request_id()},
           {"resource", record.resource()},
           {"organization", record.organization()},
           {"summary", record.summary()}});
    }
    return absl::OkStatus();
  }

  absl::Status Failed(const av1::AuditRecord& record, absl::Status status) {
    Log(LogLevel::kError,
        "audit record not stored; the call answers UNAVAILABLE",
        {{"method", record.method()},
         {"request_id", record.request_id()},
         {"resource", record.resource()},
         {"principal", record.principal()},
         {"summary", record.summary()},
         {"error", status.ToString()}});
    return status;
  }

  AuditTrail* const trail_;
  ServerRpcInfo* const info_;
  const AuditedMethod* const method_;
  std::string request_id_;
  std::unique_ptr<google::protobuf::Message> request_;
  std::optional<AuditedChange> change_;
  std::string organization_before_;
};

class AuditRecorderFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuditRecorderFactory(AuditTrail* trail) : trail_(trail) {}

  Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    // Only unary methods are audited; others get no interceptor.
    const AuditedMethod* method =
        info->method() == nullptr ? nullptr : FindAuditedMethod(info->method());
    if (method == nullptr || info->type() != ServerRpcInfo::Type::UNARY) {
      return nullptr;
    }
    return new AuditRecorder(trail_, info, method);
  }

 private:
  AuditTrail* const trail_;
};

class AuditServiceImpl final : public av1::AuditService::Service {
 public:
  explicit AuditServiceImpl(AuditLog* log) : log_(log) {}

  grpc::Status ListAuditRecords(
      grpc::ServerContext*, const av1::ListAuditRecordsRequest* request,
      av1::ListAuditRecordsResponse* response) override {
    return AnswerRpc(log_->List(*request), response);
  }

 private:
  AuditLog* const log_;
};

}  // namespace

AuditTrail::AuditTrail(const AuditOptions& options,
                       PlanOrganizationResolver* resolver, std::string program)
    : log_(options.pool),
      resolver_(resolver),
      program_(std::move(program)),
      service_(std::make_unique<AuditServiceImpl>(&log_)) {}

AuditTrail::~AuditTrail() = default;

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
AuditTrail::NewInterceptorFactory() {
  return std::make_unique<AuditRecorderFactory>(this);
}

}  // namespace duban
