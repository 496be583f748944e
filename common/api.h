// The API conventions every service follows (Google AIPs where they fit),
// written once: etags and conflict retries, update masks, page tokens, text
// limits, idempotent resource ids, timestamps, and the plan resource names
// that other services refer to.
#ifndef DUBAN_COMMON_API_H_
#define DUBAN_COMMON_API_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace duban {

// --- etags ------------------------------------------------------------------

// The etag of a stored version: "v<version>".
std::string EtagOf(int64_t version);

// The version in an etag; INVALID_ARGUMENT naming `field` when it is not
// one this suite issued.
absl::StatusOr<int64_t> ParseEtag(absl::string_view field,
                                  absl::string_view etag);

// OK when `etag` is empty or names `version`; otherwise ABORTED (marked so
// that WithRetryOnConflict leaves it to the caller).
absl::Status CheckEtag(absl::string_view field, absl::string_view etag,
                       int64_t version, absl::string_view resource);

// True for the ABORTED of CheckEtag: the caller's own etag is stale.
bool IsStaleEtag(const absl::Status& status);

// Runs a read-check-write `attempt` again, up to `max_attempts` times in
// all, while it fails with ABORTED because another writer got in between.
// The ABORTED of a stale caller etag is returned at once.
template <typename Fn>
auto WithRetryOnConflict(int max_attempts, Fn attempt) -> decltype(attempt()) {
  for (int i = 1;; ++i) {
    auto result = attempt();
    if (result.ok() || i >= max_attempts ||
        result.status().code() != absl::StatusCode::kAborted ||
        IsStaleEtag(result.status())) {
      return result;
    }
  }
}

// --- request fields ---------------------------------------------------------

// INVALID_ARGUMENT naming `field` when `value` is required and empty, longer
// than `max_bytes`, or not valid UTF-8.
absl::Status ValidateText(absl::string_view field, absl::string_view value,
                          std::size_t max_bytes, bool required);

bool IsValidUtf8(absl::string_view text);

// A non-empty mask whose paths are all in `allowed`.
absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                const std::set<std::string>& allowed);
bool InMask(const google::protobuf::FieldMask& mask, absl::string_view path);

// page_size: negative → INVALID_ARGUMENT, 0 → `fallback`, capped at `max`.
absl::StatusOr<int> PageSize(int requested, int fallback, int max);

// Opaque page tokens around a position string.
std::string EncodePageToken(absl::string_view position);
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);

// Fills one page from a sequence read in batches, in order, so that list
// calls with filters page correctly: `fetch(after, limit)` answers
// StatusOr<vector<E>>, the next elements after position `after`;
// `position_of(e)` is an element's position; `take(e, page_full)` answers
// StatusOr<bool>, whether e belongs on the page, and puts it there while
// the page is not full. Answers the position of the last element taken
// when another would follow it (the next page starts after it), else
// nullopt.
template <typename Position, typename Fetch, typename PositionOf, typename Take>
absl::StatusOr<std::optional<Position>> FillPage(Position after, int page_size,
                                                 Fetch fetch,
                                                 PositionOf position_of,
                                                 Take take) {
  int taken = 0;
  Position last = after;
  while (true) {
    auto batch = fetch(after, page_size + 1);
    if (!batch.ok()) return batch.status();
    for (auto& element : *batch) {
      after = position_of(element);
      absl::StatusOr<bool> belongs = take(element, taken == page_size);
      if (!belongs.ok()) return belongs.status();
      if (!*belongs) continue;
      if (taken == page_size) return std::optional<Position>(last);
      ++taken;
      last = after;
    }
    if (static_cast<int>(batch->size()) < page_size + 1) {
      return std::optional<Position>();
    }
  }
}

// The id of a resource being created: `id` when given (validated), else
// derived from `request_id` (so a retried create lands on the same
// resource), else random; `<prefix>-<hex>` for the latter two.
absl::StatusOr<std::string> ChooseResourceId(absl::string_view field,
                                             absl::string_view id,
                                             absl::string_view request_id,
                                             absl::string_view prefix);

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* timestamp);
// The time a Timestamp holds (whole microseconds, as SetTimestamp keeps).
absl::Time TimeOf(const google::protobuf::Timestamp& timestamp);

// --- resource names other services refer to --------------------------------

// "organizations/{org}" → org id; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ParseOrganizationName(absl::string_view field,
                                                  absl::string_view name);

// "plans/{plan}" → plan id; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ParsePlanName(absl::string_view field,
                                          absl::string_view name);

// "plans/{plan}/items/{item}" → (plan id, item id). Item ids are letters,
// digits, '.' and '-', at most 64 characters.
absl::StatusOr<std::pair<std::string, std::string>> ParseItemName(
    absl::string_view field, absl::string_view name);

}  // namespace duban

#endif  // DUBAN_COMMON_API_H_
