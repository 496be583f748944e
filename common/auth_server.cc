#include "common/auth_server.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "duban/auth/v1/auth_service.grpc.pb.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"

namespace duban {
namespace {

using grpc::internal::MethodHandler;
using grpc::internal::RpcServiceMethod;

// grpc::Service keeps its methods, and each method its handler, in private
// members with no setter that keeps the handler synchronous. Explicit
// template instantiation may name private members ([temp.spec]/6), which
// gives pointers to them; they are used only here, to wrap the handlers.
template <typename Tag, typename Tag::type Member>
struct PrivateMember {
  friend typename Tag::type Get(Tag) { return Member; }
};
struct ServiceMethodsTag {
  using type = std::vector<std::unique_ptr<RpcServiceMethod>> grpc::Service::*;
  friend type Get(ServiceMethodsTag);
};
struct MethodHandlerTag {
  using type = std::unique_ptr<MethodHandler> RpcServiceMethod::*;
  friend type Get(MethodHandlerTag);
};
template struct PrivateMember<ServiceMethodsTag, &grpc::Service::methods_>;
template struct PrivateMember<MethodHandlerTag, &RpcServiceMethod::handler_>;

// The call whose handler runs on this thread, and its principal.
thread_local const grpc::ServerContextBase* current_context = nullptr;
thread_local const Principal* current_principal = nullptr;
thread_local const std::string* current_token = nullptr;

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

class AuthorizingHandler : public MethodHandler {
 public:
  AuthorizingHandler(std::string method, std::unique_ptr<MethodHandler> inner,
                     std::shared_ptr<CallAuthorizer> authorizer)
      : method_(std::move(method)),
        inner_(std::move(inner)),
        authorizer_(std::move(authorizer)) {}

  std::unique_ptr<MethodHandler> TakeInner() { return std::move(inner_); }
  void SetAuthorizer(std::shared_ptr<CallAuthorizer> authorizer) {
    authorizer_ = std::move(authorizer);
  }

  void RunHandler(const HandlerParameter& param) override {
    if (!param.status.ok()) {
      inner_->RunHandler(param);
      return;
    }
    const auto* request =
        static_cast<const google::protobuf::Message*>(param.request);
    std::string token;
    absl::StatusOr<Principal> principal =
        authorizer_->Authorize(method_, *param.server_context, request, &token);
    if (!principal.ok()) {
      // Answered in the handler's place: the handler sees nothing. It would
      // have destroyed the request; with a failed status it does not.
      if (request != nullptr) request->~Message();
      inner_->RunHandler(HandlerParameter(
          param.call, param.server_context, nullptr, ToGrpc(principal.status()),
          param.internal_data, param.call_requester));
      return;
    }
    current_context = param.server_context;
    current_principal = &*principal;
    current_token = token.empty() ? nullptr : &token;
    inner_->RunHandler(param);
    current_context = nullptr;
    current_principal = nullptr;
    current_token = nullptr;
  }

  void* Deserialize(grpc_call* call, grpc_byte_buffer* req,
                    grpc::Status* status, void** handler_data) override {
    return inner_->Deserialize(call, req, status, handler_data);
  }

 private:
  const std::string method_;
  std::unique_ptr<MethodHandler> inner_;
  std::shared_ptr<CallAuthorizer> authorizer_;
};

class AuthServiceImpl final : public duban::auth::v1::AuthService::Service {
 public:
  grpc::Status WhoAmI(grpc::ServerContext* context,
                      const duban::auth::v1::WhoAmIRequest*,
                      duban::auth::v1::WhoAmIResponse* response) override {
    const Principal* principal = PrincipalOf(*context);
    if (principal == nullptr) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "authentication is off on this server");
    }
    response->set_id(principal->id);
    response->set_kind(std::string(PrincipalKindName(principal->kind)));
    response->set_display_name(principal->display_name);
    for (const RoleBinding& binding : principal->roles) {
      auto* role = response->add_roles();
      role->set_role(std::string(RoleName(binding.role)));
      role->set_scope(binding.scope.ToString());
    }
    return grpc::Status::OK;
  }
};

// The token of "authorization: Bearer <token>", or UNAUTHENTICATED.
absl::StatusOr<std::string> BearerToken(
    const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto range = metadata.equal_range("authorization");
  if (range.first == range.second) {
    return absl::UnauthenticatedError(
        "missing credential: send \"authorization: Bearer <token>\"");
  }
  if (std::next(range.first) != range.second) {
    return absl::UnauthenticatedError("more than one authorization header");
  }
  const absl::string_view value(range.first->second.data(),
                                range.first->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError(
        "authorization header must be \"Bearer <token>\"");
  }
  return std::string(absl::StripAsciiWhitespace(value.substr(kScheme.size())));
}

}  // namespace

absl::StatusOr<std::shared_ptr<CallAuthorizer>> CallAuthorizer::Create(
    const ServerAuthOptions& options) {
  absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
      TokenVerifier::Create(options.tokens);
  if (!verifier.ok()) return verifier.status();
  std::unique_ptr<ClientPrincipals> certificates;
  if (!options.client_principals_file.empty()) {
    absl::StatusOr<std::unique_ptr<ClientPrincipals>> created =
        ClientPrincipals::Create(options.client_principals_file,
                                 options.tokens.refresh_interval);
    if (!created.ok()) return created.status();
    certificates = *std::move(created);
  }
  return std::shared_ptr<CallAuthorizer>(new CallAuthorizer(
      *std::move(verifier), std::move(certificates), options.resolver));
}

absl::StatusOr<Principal> CallAuthorizer::Authenticate(
    const grpc::ServerContextBase& context, std::string* token_out) {
  // A token decides whenever one is sent; the certificate only without.
  if (certificates_ != nullptr &&
      context.client_metadata().count("authorization") == 0) {
    const PeerIdentity peer = PeerIdentityOf(context);
    if (peer.verified) return certificates_->Find(peer);
  }
  absl::StatusOr<std::string> token = BearerToken(context);
  if (!token.ok()) return token.status();
  if (token_out != nullptr) *token_out = *token;
  return verifier_->Verify(*token);
}

absl::StatusOr<Principal> CallAuthorizer::Authorize(
    absl::string_view method, const grpc::ServerContextBase& context,
    const google::protobuf::Message* request, std::string* token_out) {
  std::string token;
  absl::StatusOr<Principal> principal = Authenticate(context, &token);
  if (!principal.ok()) return principal.status();
  if (token_out != nullptr) *token_out = token;
  const PermissionEntry* entry = FindPermission(method);
  if (entry == nullptr) {
    // A method without an entry is refused, not let through.
    return absl::PermissionDeniedError(
        absl::StrCat("no permission is defined for ", method));
  }
  // The resolver may ask another service on the caller's behalf
  // (progress-server asks plan-server): the call carries the caller's token,
  // or, for a caller known by its certificate, the server's own identity.
  const std::string* outer_token = current_token;
  current_token = token.empty() ? nullptr : &token;
  struct RestoreToken {
    const std::string* token;
    ~RestoreToken() { current_token = token; }
  } restore{outer_token};
  if (request == nullptr) {
    if (!IsGranted(*entry, *principal, ResourceTarget(), resolver_)) {
      return absl::PermissionDeniedError(
          absl::StrCat("permission ", entry->permission, " denied"));
    }
  } else if (absl::Status s =
                 CheckPermission(*entry, *principal, *request, resolver_);
             !s.ok()) {
    return s;
  }
  return principal;
}

absl::Status ProtectServices(const std::vector<grpc::Service*>& services,
                             std::shared_ptr<CallAuthorizer> authorizer) {
  for (grpc::Service* service : services) {
    if (authorizer == nullptr) break;
    for (const auto& method : service->*Get(ServiceMethodsTag())) {
      if (method == nullptr) continue;
      if (method->api_type() != RpcServiceMethod::ApiType::SYNC ||
          method->handler() == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("method ", method->name(),
                         " is not synchronous; authentication cannot check "
                         "it"));
      }
    }
  }
  for (grpc::Service* service : services) {
    for (const auto& method : service->*Get(ServiceMethodsTag())) {
      if (method == nullptr) continue;
      std::unique_ptr<MethodHandler>& handler =
          (*method).*Get(MethodHandlerTag());
      auto* wrapped = dynamic_cast<AuthorizingHandler*>(handler.get());
      if (wrapped != nullptr && authorizer != nullptr) {
        wrapped->SetAuthorizer(authorizer);
      } else if (wrapped != nullptr) {
        handler = wrapped->TakeInner();
      } else if (authorizer != nullptr) {
        handler = std::make_unique<AuthorizingHandler>(
            method->name(), std::move(handler), authorizer);
      }
    }
  }
  return absl::OkStatus();
}

const Principal* PrincipalOf(const grpc::ServerContextBase& context) {
  return current_context == &context ? current_principal : nullptr;
}

const std::string* CallerBearerToken() { return current_token; }

std::unique_ptr<grpc::Service> NewAuthService() {
  return std::make_unique<AuthServiceImpl>();
}

}  // namespace duban
