// duban-token: makes the credentials of a development or test deployment —
// a signing key pair (keygen) and bearer tokens signed with it (mint) that
// servers started with --auth_public_key_file accept. A tool of its own,
// not a dubanctl command: it holds the private key, which the people and
// systems that call duban never have; a production deployment mints its
// tokens with its identity provider instead.
//
//   duban-token keygen --private-key dev.key --public-key dev.pub
//   duban-token mint --private-key dev.key --issuer I --audience A
//       --sub alice --kind person --name Alice
//       --role SUPERVISOR=organizations/yiyang-edu --ttl 720h > alice.token
//   (one command line)
//
// Exit status: 0 done, 1 a file could not be read or written, 2 bad usage.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/token_signing.h"

namespace {

constexpr int kExitFile = 1;
constexpr int kExitUsage = 2;

int Fail(int code, const std::string& message) {
  std::cerr << "duban-token: " << message << "\n";
  return code;
}

// Writes `content` to a new file `path` with `mode`; refuses to replace an
// existing one unless `force`.
bool WriteNewFile(const std::string& path, const std::string& content,
                  mode_t mode, bool force, std::string* error) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  const int fd = open(path.c_str(), flags, mode);
  if (fd < 0) {
    *error =
        errno == EEXIST
            ? absl::StrCat("\"", path, "\" exists; remove it or pass --force")
            : absl::StrCat("cannot write \"", path,
                           "\": ", std::strerror(errno));
    return false;
  }
  if (force) fchmod(fd, mode);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      *error =
          absl::StrCat("cannot write \"", path, "\": ", std::strerror(errno));
      close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    *error =
        absl::StrCat("cannot write \"", path, "\": ", std::strerror(errno));
    return false;
  }
  return true;
}

struct KeygenOptions {
  std::string private_key;
  std::string public_key;
  bool rsa = false;
  bool force = false;
};

int Keygen(const KeygenOptions& options) {
  if (options.private_key == options.public_key) {
    return Fail(kExitUsage,
                "--private-key and --public-key must be different files");
  }
  absl::StatusOr<duban::SigningKeyPair> pair =
      options.rsa ? duban::GenerateRsaKey() : duban::GenerateEcKey();
  if (!pair.ok()) return Fail(kExitFile, std::string(pair.status().message()));
  std::string error;
  if (!WriteNewFile(options.private_key, pair->private_pem, 0600, options.force,
                    &error) ||
      !WriteNewFile(options.public_key, pair->public_pem, 0644, options.force,
                    &error)) {
    return Fail(kExitFile, error);
  }
  return 0;
}

struct MintOptions {
  std::string private_key;
  std::string sub;
  std::string kind;
  std::string name;
  std::vector<std::string> roles;
  std::string ttl = "720h";
  std::string issuer;
  std::string audience;
};

int Mint(const MintOptions& options) {
  duban::TokenClaims claims;
  claims.subject = options.sub;
  if (claims.subject.empty())
    return Fail(kExitUsage, "--sub: must not be empty");
  if (options.kind == "person") {
    claims.kind = duban::Principal::Kind::kPerson;
  } else if (options.kind == "system") {
    claims.kind = duban::Principal::Kind::kSystem;
  } else {
    return Fail(kExitUsage, absl::StrCat("--kind: must be person or system "
                                         "(got \"",
                                         options.kind, "\")"));
  }
  claims.display_name = options.name;
  for (const std::string& text : options.roles) {
    const size_t eq = text.find('=');
    duban::RoleBinding binding;
    if (eq == std::string::npos ||
        !duban::ParseRole(absl::AsciiStrToUpper(text.substr(0, eq)),
                          &binding.role)) {
      return Fail(kExitUsage,
                  absl::StrCat("--role: must be ROLE=SCOPE with ROLE one of "
                               "REPORTER, SUPERVISOR, ADMINISTRATOR, "
                               "INTEGRATOR (got \"",
                               text, "\")"));
    }
    absl::StatusOr<duban::Scope> scope = duban::ParseScope(text.substr(eq + 1));
    if (!scope.ok()) {
      return Fail(kExitUsage,
                  absl::StrCat("--role: ", scope.status().message()));
    }
    binding.scope = *std::move(scope);
    claims.roles.push_back(std::move(binding));
  }
  absl::Duration ttl;
  if (!absl::ParseDuration(options.ttl, &ttl) || ttl <= absl::ZeroDuration() ||
      ttl > absl::Hours(24 * 3650)) {
    return Fail(kExitUsage,
                absl::StrCat("--ttl: must be a positive duration such as 720h "
                             "or 30m, at most 87600h (got \"",
                             options.ttl, "\")"));
  }
  if (options.issuer.empty() || options.audience.empty()) {
    return Fail(kExitUsage, "--issuer, --audience: must not be empty");
  }
  claims.issuer = options.issuer;
  claims.audience = options.audience;
  claims.issued_at = absl::Now();
  claims.expires_at = claims.issued_at + ttl;

  std::ifstream in(options.private_key, std::ios::binary);
  if (!in) {
    return Fail(kExitFile, absl::StrCat("--private-key: cannot read \"",
                                        options.private_key, "\""));
  }
  std::stringstream pem;
  pem << in.rdbuf();
  absl::StatusOr<std::string> token = duban::MintToken(claims, pem.str());
  if (!token.ok()) {
    return Fail(kExitUsage,
                absl::StrCat("--private-key: \"", options.private_key,
                             "\": ", token.status().message()));
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "duban-token: development signing keys and bearer tokens for duban "
      "servers started with --auth_public_key_file (and its --auth_issuer, "
      "--auth_audience).",
      "duban-token");
  app.require_subcommand(1);

  KeygenOptions keygen;
  CLI::App* keygen_cmd = app.add_subcommand(
      "keygen",
      "Write a new signing key pair: the private key (mode 0600) "
      "and the public key for --auth_public_key_file");
  keygen_cmd->add_option("--private-key", keygen.private_key, "Output file")
      ->required();
  keygen_cmd->add_option("--public-key", keygen.public_key, "Output file")
      ->required();
  keygen_cmd->add_flag("--rsa", keygen.rsa,
                       "RSA 2048 (RS256) instead of EC P-256 (ES256)");
  keygen_cmd->add_flag("--force", keygen.force, "Replace existing files");

  MintOptions mint;
  CLI::App* mint_cmd = app.add_subcommand(
      "mint", "Print a bearer token signed with --private-key");
  mint_cmd->add_option("--private-key", mint.private_key, "PEM private key")
      ->required();
  mint_cmd->add_option("--sub", mint.sub, "The principal's id")->required();
  mint_cmd->add_option("--kind", mint.kind, "person or system")->required();
  mint_cmd->add_option("--name", mint.name, "Display name (optional)");
  mint_cmd->add_option("--role", mint.roles,
                       "ROLE=SCOPE, repeatable: REPORTER, SUPERVISOR, "
                       "ADMINISTRATOR or INTEGRATOR at \"*\", "
                       "organizations/{org} or "
                       "organizations/{org}/units/{unit}");
  mint_cmd->add_option("--ttl", mint.ttl, "Lifetime (default 720h)");
  mint_cmd
      ->add_option("--issuer", mint.issuer, "iss; the servers' --auth_issuer")
      ->required();
  mint_cmd
      ->add_option("--audience", mint.audience,
                   "aud; the servers' --auth_audience")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message
    return kExitUsage;
  }
  if (keygen_cmd->parsed()) return Keygen(keygen);
  return Mint(mint);
}
