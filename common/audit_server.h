// Recording a server's changes in the audit trail (common/audit.h) and
// serving duban.audit.v1.AuditService, both wired by StartServer
// (common/server.h) when ServerOptions::audit.pool is set.
//
// One gRPC server interceptor per server records every successful call of a
// method in AuditedMethods(): it keeps the request when it arrives, describes
// the change from the request and the response, and stores the record when
// the handler sends status OK, before that status leaves the server. When
// storing fails, the caller gets UNAVAILABLE instead of OK (the change is
// stored, its record is not; a retry with the same request_id changes
// nothing more and records it). Refused and failed calls are not recorded.
// Each stored record is also logged: {"msg":"audit",...} with its fields.
//
// Who: the call's principal (PrincipalOf, common/auth_server.h) when
// authentication is on; otherwise the verified client certificate's common
// name (PeerIdentityOf, common/tls.h), kind "certificate"; else
// "anonymous". The organization: from the request or response when they
// name it, else asked of the PlanOrganizationResolver for the plan; when
// that fails too, the record goes to the records without organization.
#ifndef DUBAN_COMMON_AUDIT_SERVER_H_
#define DUBAN_COMMON_AUDIT_SERVER_H_

#include <memory>
#include <string>

#include "common/audit.h"
#include "common/permissions.h"
#include "common/redis.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"

namespace duban {

struct AuditOptions {
  // Where the records are kept; not owned. Null: no audit trail (and no
  // AuditService).
  RedisPool* pool = nullptr;
};

// The audit trail of one server: the record store, the interceptor and the
// service. Must outlive the server it is wired into.
class AuditTrail {
 public:
  // `resolver` (optional, not owned) tells a plan's organization;
  // `program` ("plan-server") is recorded as the record's service.
  AuditTrail(const AuditOptions& options, PlanOrganizationResolver* resolver,
             std::string program);
  ~AuditTrail();

  // The interceptor to put FIRST among a server's interceptors, so that the
  // others (request logs, metrics) see the status it may change.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

  // duban.audit.v1.AuditService.
  grpc::Service* service() { return service_.get(); }

  AuditLog* log() { return &log_; }
  PlanOrganizationResolver* resolver() const { return resolver_; }
  const std::string& program() const { return program_; }

 private:
  AuditLog log_;
  PlanOrganizationResolver* const resolver_;
  const std::string program_;
  const std::unique_ptr<grpc::Service> service_;
};

// The message a caller gets when its change was stored without its record.
inline constexpr char kAuditNotStoredMessage[] =
    "the change was stored but its audit record was not; retry with the same "
    "request_id";

}  // namespace duban

#endif  // DUBAN_COMMON_AUDIT_SERVER_H_
