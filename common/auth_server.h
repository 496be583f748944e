// The per-call check of who calls and whether they may: with authentication
// on (ServerAuthOptions::enabled()), every call of a registered service
// carries a credential, and the permission table (common/permissions.h)
// must grant its principal the method for the resource the request names.
// The credential is the bearer token of "authorization: Bearer <token>"
// (common/auth.h) when the call has an authorization header, whatever
// certificate the connection has (a service passing its caller's token on
// acts for that caller); otherwise, with client_principals_file set, the
// verified client certificate of the mutual-TLS connection, mapped to a
// system principal (common/client_principals.h). Otherwise the call ends,
// before its handler runs, with UNAUTHENTICATED (no, malformed or bad
// credential; "token expired"; a certificate mapped to no principal) or
// PERMISSION_DENIED naming the permission. The health and reflection
// services are not checked.
//
// Where it runs: gRPC C++ server interceptors can watch a call but cannot
// end it before the handler (grpc/grpc#24017), so the check wraps the
// method handlers of the registered (synchronous) services instead: it sees
// the deserialized request and answers in the handler's place.
#ifndef DUBAN_COMMON_AUTH_SERVER_H_
#define DUBAN_COMMON_AUTH_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth.h"
#include "common/client_principals.h"
#include "common/permissions.h"
#include "grpcpp/grpcpp.h"

namespace duban {

struct ServerAuthOptions {
  // Empty public_key_file: authentication off (the default).
  TokenVerifierOptions tokens;
  // JSON file mapping verified client certificates to principals (see
  // common/client_principals.h), checked for changes every
  // tokens.refresh_interval; empty: certificates name no principal.
  std::string client_principals_file;
  // Tells the organization of a plan, not owned. Every server sets one;
  // without it, plans are granted only to "*" bindings and kAnyScope grants
  // (common/permissions.h). It runs inside Authorize, with
  // CallerBearerToken() set to the caller's token (null for a caller known
  // by its certificate, whose lookups then go out as the server itself).
  PlanOrganizationResolver* resolver = nullptr;

  bool enabled() const { return !tokens.public_key_file.empty(); }
};

// Decides one call.
class CallAuthorizer {
 public:
  static absl::StatusOr<std::shared_ptr<CallAuthorizer>> Create(
      const ServerAuthOptions& options);

  // The principal of a call to `method` with `request` (null for methods
  // that stream requests), or the status to end it with. Sets `*token` to
  // the bearer token when the call was authenticated by one (left empty for
  // a certificate).
  absl::StatusOr<Principal> Authorize(absl::string_view method,
                                      const grpc::ServerContextBase& context,
                                      const google::protobuf::Message* request,
                                      std::string* token = nullptr);

 private:
  CallAuthorizer(std::unique_ptr<TokenVerifier> verifier,
                 std::unique_ptr<ClientPrincipals> certificates,
                 PlanOrganizationResolver* resolver)
      : verifier_(std::move(verifier)),
        certificates_(std::move(certificates)),
        resolver_(resolver) {}
  // The principal of the call's credential, token or certificate.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context,
                                         std::string* token);

  const std::unique_ptr<TokenVerifier> verifier_;
  const std::unique_ptr<ClientPrincipals> certificates_;  // may be null
  PlanOrganizationResolver* const resolver_;
};

// Puts `authorizer` in front of every method of `services`; with a null
// authorizer, takes it away again. FAILED_PRECONDITION for a service with
// asynchronous or callback methods, which cannot be checked this way.
absl::Status ProtectServices(const std::vector<grpc::Service*>& services,
                             std::shared_ptr<CallAuthorizer> authorizer);

// The principal of the call being handled, for its handler (on the
// handler's thread, while it runs); null when authentication is off.
// Handlers use it for what the table cannot say: list calls keep only what
// OrganizationFilter::ReadableBy(principal) admits, and SubmitReport's
// backdate_to needs an ADMINISTRATOR.
const Principal* PrincipalOf(const grpc::ServerContextBase& context);

// The bearer token of the call being handled or authorized on this thread
// (its handler, or the PlanOrganizationResolver during Authorize), or null
// (outside handlers, and for callers known by their certificate); the calls
// made to other services on the caller's behalf carry it on (common/client.h's
// CallService does), so that the callee checks the same principal. Without
// one, those calls carry the server's own identity.
const std::string* CallerBearerToken();

// duban.auth.v1.AuthService: WhoAmI answers with PrincipalOf().
std::unique_ptr<grpc::Service> NewAuthService();

}  // namespace duban

#endif  // DUBAN_COMMON_AUTH_SERVER_H_
