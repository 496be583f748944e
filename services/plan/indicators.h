// Finds the quantitative targets (指标) in an item's text: 64 所, 80%, 25 万个,
// 5%以内, 消除大班额 271 个, with their direction and any breakdown into parts.
#ifndef DUBAN_SERVICES_PLAN_INDICATORS_H_
#define DUBAN_SERVICES_PLAN_INDICATORS_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "duban/plan/v1/plan.pb.h"
#include "services/plan/text.h"

namespace duban::plan {

// Returns the indicators of `body` in text order, ids "i1", "i2", …, offsets
// in bytes of the UTF-8 body.
//
// An indicator is an Arabic number (decimals and 1,000 separators allowed)
// followed by a measure word (所 个 名 人 元 家 项 篇 台 套 间 平方米 所次 人次
// …) or %, optionally with 万 / 亿 / 千 in between; the value has the
// multiplier applied (25 万个 → 250000) and the unit keeps it as printed
// ("万个"); the percent sign is always given as ASCII "%". Not indicators:
// years and dates (2020 年, 10月), ordinals (第2批), ranges' first number
// (2017-2020), document numbers (〔2020〕2号), version-like numbers (2.0, 5G,
// 1+X), durations (3 个月), and anything inside 《》.
//
// Direction: a following 以内/以下 → AT_MOST and 以上 → AT_LEAST; else the
// nearest verb before the number in its clause: 消除/清零/化解 → TO_ZERO;
// 降至/控制在/不超过/低于/不足 → AT_MOST; anything else (达到, 完成, 新增…) →
// AT_LEAST. A breakdown in the same clause, (其中省实事园 43 所、自建园 21 所)
// or ，其中…, gives the indicator's parts; the parts are not indicators of
// their own. `subject` is what is counted when the clause names it: the object
// between verb and number (消除义务教育大班额 271 个), else the noun after the
// measure word (完成 64 所农村公办幼儿园改扩建), else the subject before a verb
// such as 达到 (普惠性幼儿园覆盖率达到 80%).
std::vector<v1::Indicator> FindIndicators(const Text& body);
std::vector<v1::Indicator> FindIndicators(absl::string_view body);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_INDICATORS_H_
