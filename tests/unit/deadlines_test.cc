// Due dates and issue dates (services/plan/deadlines.h).
#include "services/plan/deadlines.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban::plan {
namespace {

// "YYYY-MM-DD text" or "none".
std::string Due(const std::string& text, int year = 2020) {
  std::optional<v1::Deadline> d = FindDeadline(text, year);
  if (!d.has_value()) return "none";
  char buf[32];
  snprintf(buf, sizeof(buf), "%04d-%02d-%02d ", d->date().year(),
           d->date().month(), d->date().day());
  return buf + d->text();
}

TEST(FindDeadlineTest, YearEndPhrasesResolveToDecemberThirtyFirst) {
  EXPECT_EQ(Due("年内完成 64 所幼儿园建设"), "2020-12-31 年内");
  EXPECT_EQ(Due("年底前全面完成"), "2020-12-31 年底前");
  EXPECT_EQ(Due("督促各地在 2020 年底前完成"), "2020-12-31 2020 年底前");
  EXPECT_EQ(Due("2021年底前建成"), "2021-12-31 2021年底前");
  EXPECT_EQ(Due("下半年启动"), "2020-12-31 下半年");
}

TEST(FindDeadlineTest, MonthsQuartersAndHalvesResolveToTheirLastDay) {
  EXPECT_EQ(Due("10月底前完成"), "2020-10-31 10月底前");
  EXPECT_EQ(Due("6月份召开"), "2020-06-30 6月份");
  EXPECT_EQ(Due("2月底前上报"), "2020-02-29 2月底前");
  EXPECT_EQ(Due("2月底前上报", 2021), "2021-02-28 2月底前");
  EXPECT_EQ(Due("上半年完成"), "2020-06-30 上半年");
  EXPECT_EQ(Due("一季度完成"), "2020-03-31 一季度");
  EXPECT_EQ(Due("第三季度完成"), "2020-09-30 第三季度");
  EXPECT_EQ(Due("十月底前完成"), "2020-10-31 十月底前");
  EXPECT_EQ(Due("9月中旬前开展"), "2020-09-20 9月中旬前");
  EXPECT_EQ(Due("6月30日前报送"), "2020-06-30 6月30日前");
  EXPECT_EQ(Due("2021年3月底前完成"), "2021-03-31 2021年3月底前");
}

TEST(FindDeadlineTest, AutumnMeansTheStartOfTheAutumnTerm) {
  EXPECT_EQ(Due("秋季开学前完成"), "2020-08-31 秋季开学前");
  EXPECT_EQ(Due("2021年秋季全面实施"), "2021-08-31 2021年秋季");
}

TEST(FindDeadlineTest, TakesTheLatestDeadlineNamed) {
  EXPECT_EQ(Due("6月底前制定方案，年底前全面完成，9月底前中期评估"),
            "2020-12-31 年底前");
}

TEST(FindDeadlineTest, IgnoresDurationsBareYearsAndOtherDocumentsTitles) {
  EXPECT_EQ(Due("三年内完成"), "none");
  EXPECT_EQ(Due("2020 年基本消除大班额"), "none");
  EXPECT_EQ(Due("用 6 个月时间完成"), "none");
  EXPECT_EQ(Due("落实《2021年底前完成的若干措施》"), "none");
  EXPECT_EQ(Due("3月30日召开会议"), "none");
  EXPECT_EQ(Due("年内完成", 0), "none");
}

TEST(FindDeadlineTest, ReadsTraditionalCharacters) {
  EXPECT_EQ(Due("年內完成全員輪訓"), "2020-12-31 年內");
}

TEST(ParseDeadlineFieldTest, AcceptsBareMonthsYearsAndWholeYear) {
  auto field = [](const std::string& s) {
    std::optional<v1::Deadline> d = ParseDeadlineField(Text::FromUtf8(s), 2021);
    return d.has_value() ? d->date().year() * 10000 + d->date().month() * 100 +
                               d->date().day()
                         : 0;
  };
  EXPECT_EQ(field("6月"), 20210630);
  EXPECT_EQ(field("2021年12月"), 20211231);
  EXPECT_EQ(field("2022年"), 20221231);
  EXPECT_EQ(field("全年"), 20211231);
  EXPECT_EQ(field("6月15日"), 20210615);
  EXPECT_EQ(field("长期坚持"), 0);
}

TEST(ParseDateLineTest, ReadsArabicAndChineseDates) {
  auto date = [](const std::string& s) {
    auto d = ParseDateLine(Text::FromUtf8(s));
    return d.has_value() ? d->year() * 10000 + d->month() * 100 + d->day() : 0;
  };
  EXPECT_EQ(date("2020年3月30日"), 20200330);
  EXPECT_EQ(date("2020 年 3 月 6 日"), 20200306);
  EXPECT_EQ(date("二〇二〇年三月三十日"), 20200330);
  EXPECT_EQ(date("二○二一年十二月一日"), 20211201);
  EXPECT_EQ(date("（2020年3月30日）"), 20200330);
  EXPECT_EQ(date("2020年2月30日"), 0);
  EXPECT_EQ(date("2020年3月30日召开会议"), 0);
  EXPECT_EQ(date("益教发〔2020〕2号"), 0);
}

}  // namespace
}  // namespace duban::plan
