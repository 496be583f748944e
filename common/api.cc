#include "common/api.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/ids.h"
#include "common/status.h"

namespace duban {
namespace {

// Marks the ABORTED of a stale etag sent by the caller: final, not retried.
constexpr char kStaleEtagPayload[] = "duban/stale-etag";

}  // namespace

std::string EtagOf(int64_t version) { return absl::StrCat("v", version); }

absl::StatusOr<int64_t> ParseEtag(absl::string_view field,
                                  absl::string_view etag) {
  int64_t version = 0;
  absl::string_view digits = etag;
  if (!absl::ConsumePrefix(&digits, "v") ||
      !absl::SimpleAtoi(digits, &version) || version <= 0) {
    return InvalidField(field, etag, "not an etag returned by this service");
  }
  return version;
}

absl::Status CheckEtag(absl::string_view field, absl::string_view etag,
                       int64_t version, absl::string_view resource) {
  if (etag.empty()) return absl::OkStatus();
  DUBAN_ASSIGN_OR_RETURN(int64_t sent, ParseEtag(field, etag));
  if (sent == version) return absl::OkStatus();
  absl::Status status = absl::AbortedError(
      absl::StrCat(field, ": ", resource, " has changed (etag \"", etag,
                   "\" is stale, current is \"", EtagOf(version),
                   "\"); read it again and retry"));
  status.SetPayload(kStaleEtagPayload, absl::Cord("1"));
  return status;
}

bool IsStaleEtag(const absl::Status& status) {
  return status.GetPayload(kStaleEtagPayload).has_value();
}

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t len;
    char32_t min;
    char32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

absl::Status ValidateText(absl::string_view field, absl::string_view value,
                          std::size_t max_bytes, bool required) {
  if (required && value.empty()) {
    return InvalidField(field, value, "is required");
  }
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max_bytes, " bytes allowed (got ",
                     value.size(), ")"));
  }
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be valid UTF-8"));
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                const std::set<std::string>& allowed) {
  if (mask.paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask: must name at least one field to change");
  }
  for (const std::string& path : mask.paths()) {
    if (allowed.count(path) == 0) {
      return InvalidField("update_mask", path,
                          absl::StrCat("unknown or not updatable; allowed: ",
                                       absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

bool InMask(const google::protobuf::FieldMask& mask, absl::string_view path) {
  return std::find(mask.paths().begin(), mask.paths().end(), path) !=
         mask.paths().end();
}

absl::StatusOr<int> PageSize(int requested, int fallback, int max) {
  if (requested < 0) {
    return InvalidField("page_size", absl::StrCat(requested),
                        "must not be negative");
  }
  if (requested == 0) return fallback;
  return std::min(requested, max);
}

std::string EncodePageToken(absl::string_view position) {
  return absl::WebSafeBase64Escape(absl::StrCat("t1:", position));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  std::string raw;
  absl::string_view view;
  if (absl::WebSafeBase64Unescape(token, &raw)) view = raw;
  if (!absl::ConsumePrefix(&view, "t1:")) {
    return InvalidField("page_token", token,
                        "not a token from a previous response");
  }
  return std::string(view);
}

absl::StatusOr<std::string> ChooseResourceId(absl::string_view field,
                                             absl::string_view id,
                                             absl::string_view request_id,
                                             absl::string_view prefix) {
  if (!request_id.empty()) {
    DUBAN_RETURN_IF_ERROR(ValidateRequestId("request_id", request_id));
  }
  if (!id.empty()) {
    DUBAN_RETURN_IF_ERROR(ValidateResourceId(field, id));
    return std::string(id);
  }
  if (!request_id.empty()) return DeriveResourceId(prefix, request_id);
  return RandomResourceId(prefix);
}

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* timestamp) {
  const int64_t micros = absl::ToUnixMicros(time);
  timestamp->set_seconds(micros / 1000000);
  timestamp->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

absl::Time TimeOf(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Microseconds(timestamp.nanos() / 1000);
}

absl::StatusOr<std::string> ParseOrganizationName(absl::string_view field,
                                                  absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "organizations/") || id.empty() ||
      absl::StrContains(id, '/')) {
    return InvalidField(field, name, "must be \"organizations/{org}\"");
  }
  DUBAN_RETURN_IF_ERROR(ValidateResourceId(field, id));
  return std::string(id);
}

absl::StatusOr<std::string> ParsePlanName(absl::string_view field,
                                          absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "plans/") || id.empty() ||
      absl::StrContains(id, '/')) {
    return InvalidField(field, name, "must be \"plans/{plan}\"");
  }
  DUBAN_RETURN_IF_ERROR(ValidateResourceId(field, id));
  return std::string(id);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseItemName(
    absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "plans" || parts[2] != "items" ||
      parts[3].empty() || parts[3].size() > 64) {
    return InvalidField(field, name, "must be \"plans/{plan}/items/{item}\"");
  }
  DUBAN_RETURN_IF_ERROR(ValidateResourceId(field, parts[1]));
  for (char c : parts[3]) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-') {
      return InvalidField(field, name,
                          "item ids are letters, digits, '.' and '-'");
    }
  }
  return std::make_pair(std::string(parts[1]), std::string(parts[3]));
}

}  // namespace duban
