// Dates and deadlines as plan documents print them: the issue date under the
// signatures (2020年3月30日, 二〇二〇年三月三十日) and due-date phrases in item
// text (年内, 2020年底前, 10月底前, 上半年, 一季度, 秋季开学前, 6月份).
#ifndef DUBAN_SERVICES_PLAN_DEADLINES_H_
#define DUBAN_SERVICES_PLAN_DEADLINES_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "duban/plan/v1/plan.pb.h"
#include "duban/type/v1/types.pb.h"
#include "services/plan/text.h"

namespace duban::plan {

// The last day of a month (leap years included).
int LastDayOfMonth(int year, int month);

// Finds the due date an item's text names. Each phrase resolves to the last
// day of the period it names:
//   年内, 年底(前), 年末, 下半年, 四季度 → 31 Dec     上半年 → 30 Jun
//   一季度 / 第一季度 → 31 Mar (二 → 30 Jun, 三 → 30 Sep)
//   10月底(前), 10月末, 10月份, 10月下旬 → 31 Oct; 10月上旬 → 10 Oct;
//   10月中旬 → 20 Oct; 10月15日前 → 15 Oct
//   秋季, 秋季开学(前) → 31 Aug: school plans mean "ready when the autumn
//   term starts" (1 Sep); 春季开学前 → the last day of February.
// A year printed before the phrase (2020年底前, 2021年6月底前) replaces
// `plan_year`. When the text names several, the latest date wins: an item is
// done only when its last dated part is. Phrases inside 《》 (titles of other
// documents) and bare years (2020年) are not deadlines. Returns nullopt when
// nothing is found or no year is known (plan_year 0 and none printed).
std::optional<v1::Deadline> FindDeadline(const Text& text, int plan_year);
std::optional<v1::Deadline> FindDeadline(absl::string_view text, int plan_year);

// Reads a time-limit field (完成时限：…, a table's 完成时限 cell). Besides the
// phrases above it takes a bare month (6月 → 30 Jun), a bare date
// (6月30日), a bare year (2020年 → 31 Dec) and 全年 → 31 Dec of the plan
// year; 长期 / 持续 / 常态 give nullopt.
std::optional<v1::Deadline> ParseDeadlineField(const Text& text, int plan_year);

// Reads a line that is a date and nothing else: 2020年3月30日, 2020 年 3 月
// 30 日, 二〇二〇年三月三十日, optionally in brackets.
std::optional<duban::type::v1::Date> ParseDateLine(const Text& text);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_DEADLINES_H_
