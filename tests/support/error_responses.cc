#include "tests/support/error_responses.h"

#include <jansson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace duban::testing {
namespace {

// Passwords tests give Redis users (tests/integration/redis_*_test.cc).
constexpr absl::string_view kTestPasswords[] = {"s3cret", "s3ntinel",
                                                "pw-only"};

struct JsonDeleter {
  void operator()(json_t* j) const { json_decref(j); }
};

std::string StringField(json_t* object, const char* key) {
  json_t* value = json_object_get(object, key);
  return json_is_string(value)
             ? std::string(json_string_value(value), json_string_length(value))
             : std::string();
}

}  // namespace

std::string SuiteLeak(absl::string_view message) {
  static const auto* patterns =
      new std::vector<std::pair<std::regex, const char*>>{
          {std::regex("duban:"), "a Redis key name"},
          {std::regex(R"((^|[^0-9.])([0-9]{1,3}\.){3}[0-9]{1,3}:[0-9]+)"),
           "an IPv4 host:port"},
          {std::regex(R"(\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]:[0-9]+)"),
           "an IPv6 host:port"},
          {std::regex("localhost:[0-9]+", std::regex::icase),
           "a localhost:port"},
          {std::regex("-----BEGIN"), "a PEM block"},
          {std::regex(R"(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,})"), "a JWT"},
          {std::regex("NOPERM|WRONGTYPE|NOSCRIPT|WRONGPASS|NOAUTH|user_script|"
                      "MISCONF|EXECABORT|(^|: )ERR "),
           "a Redis error reply"},
      };
  const std::string text(message);
  for (const auto& [pattern, why] : *patterns) {
    if (std::regex_search(text, pattern)) return why;
  }
  for (absl::string_view password : kTestPasswords) {
    if (absl::StrContains(message, password)) return "a test password";
  }
  return "";
}

ErrorResponseScan ScanErrorResponses(const std::string& dir) {
  namespace fs = std::filesystem;
  ErrorResponseScan scan;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return scan;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    ++scan.files;
    std::ifstream in(path);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      const std::string where =
          absl::StrCat(path.filename().string(), ":", number, ": ");
      json_error_t error;
      std::unique_ptr<json_t, JsonDeleter> record(
          json_loadb(line.data(), line.size(), 0, &error));
      if (record == nullptr || !json_is_object(record.get())) {
        scan.problems.push_back(
            absl::StrCat(where, "not a JSON object: ", line));
        continue;
      }
      ++scan.responses;
      const std::string message = StringField(record.get(), "message");
      // The server's own verdict covers what it registered (its Redis
      // addresses and passwords).
      std::string why = StringField(record.get(), "leak");
      if (why.empty()) why = SuiteLeak(message);
      if (!why.empty()) {
        scan.problems.push_back(absl::StrCat(where, why, ": ", line));
      }
    }
  }
  return scan;
}

absl::Status CheckErrorResponses(const std::string& dir) {
  const ErrorResponseScan scan = ScanErrorResponses(dir);
  if (!scan.problems.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(scan.problems.size(), " error response(s) in ", dir,
                     " hold what must never reach a caller:\n",
                     absl::StrJoin(scan.problems, "\n")));
  }
  if (scan.responses == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no error response was recorded in ", dir, " (", scan.files,
        " file(s)): the check would have checked nothing. "
        "Run it after the integration and e2e tests (ctest does: it is their "
        "fixture's cleanup), with DUBAN_ERROR_RESPONSE_LOG set for them."));
  }
  return absl::OkStatus();
}

}  // namespace duban::testing
