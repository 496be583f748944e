// Throughput of the plan document importer (MB/s of input text) on the two
// seed documents and on a large synthetic plan built from them.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "services/plan/importer.h"

namespace {

std::string ReadSeed(const std::string& name) {
  std::ifstream in(std::string(DUBAN_TESTDATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A plan of 10 sections of `items_per_section` yiyang-style items, with a
// page break inside a sentence of each: about 4 KiB per item, the shape of a
// large compiled plan.
std::string SyntheticPlan(int items_per_section) {
  const char* numerals[] = {"一", "二", "三", "四", "五",
                            "六", "七", "八", "九", "十"};
  std::string out =
      "某市教育局文件\n\n某教发〔2021〕1号\n\n关于印发《某市教育局2021年工作要"
      "点》"
      "的通知\n\n各区县教育局：\n\n现将工作要点印发给你们。\n\n某市教育局\n\n"
      "2021年3月1日\n\n某市教育局2021年工作要点\n\n"
      "2021年全市教育工作的总体要求是：坚持立德树人。\n\n";
  int item = 0;
  for (int s = 0; s < 10; ++s) {
    absl::StrAppend(&out, numerals[s], "、推进第", s + 1, "方面的工作\n\n");
    for (int k = 0; k < items_per_section; ++k) {
      ++item;
      absl::StrAppend(
          &out, item,
          ".推进学前教育改革。多渠道扩大普惠性学前教育资源供给。"
          "年内完成 64 所农村公办幼儿园改扩建（其中省实事园 43 所、自建园 "
          "21 所），确保公办幼儿园在园幼儿占比达到 50%，协调区县（市）"
          "消除义务教育大\n\n");
      for (int r = 0; r < 8; ++r) {
        absl::StrAppend(
            &out,
            "班额 271 个，严格中小学招生制度，禁止出现新的大班额，"
            "加快推进城乡义务教育一体化发展，落实《关于益阳市2019-2021年"
            "禁毒人民战争实施方案》要求。");
      }
      absl::StrAppend(&out, "（基教科、民办教育科、教育督导科等）\n\n");
    }
  }
  return out;
}

void Run(benchmark::State& state, const std::string& content) {
  duban::plan::ImportOptions options;
  for (auto _ : state) {
    auto parsed = duban::plan::ParsePlanDocument(content, options);
    if (!parsed.ok()) {
      state.SkipWithError(std::string(parsed.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(parsed->items.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(content.size()));
  state.counters["bytes"] = static_cast<double>(content.size());
}

void BM_ImportHunanSeed(benchmark::State& state) {
  static const std::string content = ReadSeed("hunan-education-2020.txt");
  Run(state, content);
}
BENCHMARK(BM_ImportHunanSeed);

void BM_ImportYiyangSeed(benchmark::State& state) {
  static const std::string content = ReadSeed("yiyang-education-2020.txt");
  Run(state, content);
}
BENCHMARK(BM_ImportYiyangSeed);

void BM_ImportSyntheticPlan(benchmark::State& state) {
  static const std::string content = SyntheticPlan(80);  // ~1.5 MiB, 800 items
  Run(state, content);
}
BENCHMARK(BM_ImportSyntheticPlan)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
