#include "common/config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/call_once.h"
#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace duban {
namespace {

// Only flags defined in our own sources take DUBAN_* variables: Abseil's
// built-ins (--flagfile, --fromenv, --help...) are defined under "absl/",
// and an environment variable must not be able to flip those.
bool IsOwnFlag(const absl::CommandLineFlag& flag) {
  return !absl::StrContains(flag.Filename(), "absl/");
}

// One line naming where the value came from, then exit status 2.
[[noreturn]] void ExitBadValue(absl::string_view where,
                               absl::string_view error) {
  std::fprintf(stderr, "invalid value for %.*s: %.*s\n",
               static_cast<int>(where.size()), where.data(),
               static_cast<int>(error.size()), error.data());
  std::exit(2);
}

// absl::ParseCommandLine exits with status 1 on a bad value; our contract is
// status 2 and one clear line, so values of our own flags given on the
// command line are checked first. Only "--name=value" and "--name value"
// (non-bool) forms are checked; everything else is left to Abseil.
void CheckCommandLineValues(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    absl::string_view name = arg;
    absl::string_view value;
    bool has_value = false;
    size_t eq = arg.find('=');
    if (eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr || !IsOwnFlag(*flag)) continue;
    if (!has_value) {
      if (flag->IsOfType<bool>() || i + 1 >= argc) continue;
      value = argv[++i];
    }
    std::string error;
    // Setting the value here is harmless: Abseil sets the same value again.
    if (!flag->ParseFrom(value, &error)) {
      ExitBadValue(absl::StrCat("flag --", name, " on the command line"),
                   error);
    }
  }
}

}  // namespace

std::vector<char*> ParseFlagsWithEnv(int argc, char** argv,
                                     absl::string_view usage) {
  // SetProgramUsageMessage aborts when called twice (tests parse repeatedly).
  static absl::once_flag usage_once;
  absl::call_once(usage_once, [&] { absl::SetProgramUsageMessage(usage); });

  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!IsOwnFlag(*flag)) continue;
    const std::string var = absl::StrCat("DUBAN_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      ExitBadValue(absl::StrCat(var, " (flag --", name, ")"), error);
    }
  }
  CheckCommandLineValues(argc, argv);
  return absl::ParseCommandLine(argc, argv);
}

namespace {

// Splits without validating; false when there is no ':' or the brackets of
// an IPv6 literal are unbalanced.
bool SplitRaw(absl::string_view value, absl::string_view* host,
              absl::string_view* port) {
  if (absl::StartsWith(value, "[")) {
    size_t close = value.find(']');
    if (close == absl::string_view::npos) return false;
    if (close + 1 >= value.size() || value[close + 1] != ':') return false;
    *host = value.substr(1, close - 1);
    *port = value.substr(close + 2);
    return true;
  }
  size_t colon = value.rfind(':');
  if (colon == absl::string_view::npos) return false;
  *host = value.substr(0, colon);
  *port = value.substr(colon + 1);
  return true;
}

}  // namespace

absl::Status ValidateHostPort(absl::string_view flag, absl::string_view value) {
  auto fail = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(
        absl::StrCat(absl::StartsWith(flag, "-") ? "" : "--", flag, ": ",
                     problem, " (got \"", value, "\")"));
  };
  absl::string_view host;
  absl::string_view port;
  if (!SplitRaw(value, &host, &port)) {
    return fail("want host:port, or [ipv6]:port");
  }
  if (host.empty()) return fail("the host is empty");
  // An unbracketed IPv6 literal is ambiguous ("::1:80").
  if (!absl::StartsWith(value, "[") && absl::StrContains(host, ':')) {
    return fail("write an IPv6 address in brackets, as [::1]:port");
  }
  for (char c : host) {
    if (absl::ascii_isspace(c) || absl::ascii_iscntrl(c) || c == '/' ||
        c == '[' || c == ']') {
      return fail("the host contains an invalid character");
    }
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(),
                   [](char c) { return absl::ascii_isdigit(c); })) {
    return fail("the port must be a number 0-65535");
  }
  int n = 0;
  if (!absl::SimpleAtoi(port, &n) || n > 65535) {
    return fail("the port must be a number 0-65535");
  }
  return absl::OkStatus();
}

void SplitHostPort(absl::string_view value, std::string* host, int* port) {
  absl::string_view h;
  absl::string_view p;
  *port = 0;
  if (!SplitRaw(value, &h, &p)) {
    host->assign(value.data(), value.size());
    return;
  }
  host->assign(h.data(), h.size());
  if (!absl::SimpleAtoi(p, port)) *port = 0;
}

}  // namespace duban
