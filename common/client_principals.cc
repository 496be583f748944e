#include "common/client_principals.h"

#include <jansson.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace duban {
namespace {

constexpr char kFlag[] = "--auth_client_principals_file";

struct JsonDeleter {
  void operator()(json_t* json) const { json_decref(json); }
};
using JsonPtr = std::unique_ptr<json_t, JsonDeleter>;

// Changes whenever the file is replaced or rewritten.
std::string FileStamp(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(kFlag, ": cannot read \"", path, "\""));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// One entry of "principals", parsed; errors say what is wrong with it
// (the caller adds the file and the entry).
absl::Status ParseEntry(json_t* entry, std::string* key_kind,
                        std::string* identity, Principal* principal) {
  if (!json_is_object(entry))
    return absl::InvalidArgumentError("not an object");
  const char* key;
  json_t* value;
  json_object_foreach(entry, key, value) {
    const absl::string_view k(key);
    if (k != "uri" && k != "dns" && k != "common_name" && k != "id" &&
        k != "name" && k != "roles") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown key \"", k,
          "\" (expected uri, dns or common_name, id, name, roles)"));
    }
  }
  int identities = 0;
  for (const char* kind : {"uri", "dns", "common_name"}) {
    json_t* v = json_object_get(entry, kind);
    if (v == nullptr) continue;
    ++identities;
    const char* text = json_string_value(v);
    if (text == nullptr || *text == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", kind, "\" must be a non-empty string"));
    }
    *key_kind = kind;
    *identity = text;
  }
  if (identities != 1) {
    return absl::InvalidArgumentError(
        "needs exactly one of \"uri\", \"dns\" or \"common_name\"");
  }
  const char* id = json_string_value(json_object_get(entry, "id"));
  if (id == nullptr || *id == '\0') {
    return absl::InvalidArgumentError("\"id\" must be a non-empty string");
  }
  principal->id = id;
  principal->kind = Principal::Kind::kSystem;
  if (json_t* name = json_object_get(entry, "name"); name != nullptr) {
    if (!json_is_string(name)) {
      return absl::InvalidArgumentError("\"name\" must be a string");
    }
    principal->display_name = json_string_value(name);
  }
  json_t* roles = json_object_get(entry, "roles");
  if (!json_is_array(roles)) {
    return absl::InvalidArgumentError(
        "\"roles\" must be an array of {\"role\", \"scope\"} (may be empty)");
  }
  for (size_t i = 0; i < json_array_size(roles); ++i) {
    json_t* binding_json = json_array_get(roles, i);
    const char* role = json_string_value(json_object_get(binding_json, "role"));
    const char* scope =
        json_string_value(json_object_get(binding_json, "scope"));
    RoleBinding binding;
    if (role == nullptr || !ParseRole(role, &binding.role)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "roles[", i,
          "]: \"role\" must be REPORTER, SUPERVISOR, "
          "ADMINISTRATOR or INTEGRATOR (got ",
          role == nullptr ? "none" : absl::StrCat("\"", role, "\""), ")"));
    }
    absl::StatusOr<Scope> parsed =
        ParseScope(scope == nullptr ? "" : absl::string_view(scope));
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("roles[", i, "]: ", parsed.status().message()));
    }
    binding.scope = *std::move(parsed);
    principal->roles.push_back(std::move(binding));
  }
  return absl::OkStatus();
}

// How an unmapped certificate is named to its caller: its common name, or
// its first URI or DNS name.
std::string DescribeIdentity(const PeerIdentity& peer) {
  if (!peer.common_name.empty()) {
    return absl::StrCat("common name \"", peer.common_name, "\"");
  }
  if (!peer.uris.empty()) return absl::StrCat("URI \"", peer.uris[0], "\"");
  if (!peer.dns_names.empty()) {
    return absl::StrCat("DNS name \"", peer.dns_names[0], "\"");
  }
  return "no name";
}

}  // namespace

const Principal* ClientPrincipalTable::Find(const PeerIdentity& peer) const {
  for (const std::string& uri : peer.uris) {
    if (auto it = by_uri.find(uri); it != by_uri.end()) return &it->second;
  }
  for (const std::string& dns : peer.dns_names) {
    if (auto it = by_dns.find(dns); it != by_dns.end()) return &it->second;
  }
  if (!peer.common_name.empty()) {
    if (auto it = by_common_name.find(peer.common_name);
        it != by_common_name.end()) {
      return &it->second;
    }
  }
  return nullptr;
}

absl::StatusOr<ClientPrincipalTable> ParseClientPrincipals(
    absl::string_view path, absl::string_view content) {
  const std::string where = absl::StrCat(kFlag, ": \"", path, "\"");
  json_error_t error;
  JsonPtr root(json_loadb(content.data(), content.size(), 0, &error));
  if (root == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not JSON (line ", error.line, ", column ",
                     error.column, ": ", error.text, ")"));
  }
  json_t* list = json_object_get(root.get(), "principals");
  if (!json_is_object(root.get()) || !json_is_array(list)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": must be an object with a \"principals\" array"));
  }
  ClientPrincipalTable table;
  for (size_t i = 0; i < json_array_size(list); ++i) {
    json_t* entry = json_array_get(list, i);
    std::string entry_name = absl::StrCat("principals[", i, "]");
    if (const char* id = json_string_value(json_object_get(entry, "id"));
        id != nullptr && *id != '\0') {
      absl::StrAppend(&entry_name, " (id \"", id, "\")");
    }
    std::string kind, identity;
    Principal principal;
    if (absl::Status s = ParseEntry(entry, &kind, &identity, &principal);
        !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", entry_name, ": ", s.message()));
    }
    auto& map = kind == "uri"   ? table.by_uri
                : kind == "dns" ? table.by_dns
                                : table.by_common_name;
    if (!map.emplace(identity, std::move(principal)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", entry_name, ": ", kind, " \"", identity,
                       "\" is mapped by an earlier entry too"));
    }
  }
  return table;
}

absl::StatusOr<std::unique_ptr<ClientPrincipals>> ClientPrincipals::Create(
    const std::string& path, absl::Duration refresh_interval) {
  const std::string stamp = FileStamp(path);
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  absl::StatusOr<ClientPrincipalTable> table =
      ParseClientPrincipals(path, *content);
  if (!table.ok()) return table.status();
  std::unique_ptr<ClientPrincipals> principals(
      new ClientPrincipals(path, refresh_interval));
  absl::MutexLock lock(&principals->mu_);
  principals->table_ =
      std::make_shared<const ClientPrincipalTable>(*std::move(table));
  principals->file_stamp_ = stamp;
  principals->last_check_ = absl::Now();
  return principals;
}

void ClientPrincipals::MaybeReload(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (refresh_interval_ > absl::ZeroDuration() &&
      now - last_check_ < refresh_interval_) {
    return;
  }
  last_check_ = now;
  const std::string stamp = FileStamp(path_);
  if (stamp == file_stamp_) return;
  absl::StatusOr<ClientPrincipalTable> table = [&] {
    absl::StatusOr<std::string> content = ReadFile(path_);
    if (!content.ok()) {
      return absl::StatusOr<ClientPrincipalTable>(content.status());
    }
    return ParseClientPrincipals(path_, *content);
  }();
  if (!table.ok()) {
    // Retried at the next check: the stamp stays the old one.
    Log(LogLevel::kWarning, "keeping the previous client principals",
        {{"error", std::string(table.status().message())}});
    return;
  }
  file_stamp_ = stamp;
  table_ = std::make_shared<const ClientPrincipalTable>(*std::move(table));
  Log(LogLevel::kInfo, "client principals reloaded",
      {{"principals", absl::StrCat(table_->size())}});
}

absl::StatusOr<Principal> ClientPrincipals::Find(const PeerIdentity& peer,
                                                 absl::Time now) {
  MaybeReload(now);
  std::shared_ptr<const ClientPrincipalTable> table;
  {
    absl::MutexLock lock(&mu_);
    table = table_;
  }
  if (const Principal* principal = table->Find(peer); principal != nullptr) {
    return *principal;
  }
  return absl::UnauthenticatedError(
      absl::StrCat("client certificate (", DescribeIdentity(peer),
                   ") is not mapped to a principal; send \"authorization: "
                   "Bearer <token>\""));
}

}  // namespace duban
