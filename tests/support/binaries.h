// Where the end-to-end tests find what they run: the built binaries
// (DUBAN_BINARY_DIR) and the seed documents (DUBAN_TESTDATA), both defined
// for every test target by tests/CMakeLists.txt.
#ifndef DUBAN_TESTS_SUPPORT_BINARIES_H_
#define DUBAN_TESTS_SUPPORT_BINARIES_H_

#include <string>

namespace duban {

inline const std::string kDubanctl =
    std::string(DUBAN_BINARY_DIR) + "/tools/dubanctl/dubanctl";
inline const std::string kPlanServer =
    std::string(DUBAN_BINARY_DIR) + "/services/plan/plan-server";
inline const std::string kUnitServer =
    std::string(DUBAN_BINARY_DIR) + "/services/unit/unit-server";
inline const std::string kProgressServer =
    std::string(DUBAN_BINARY_DIR) + "/services/progress/progress-server";
inline const std::string kHunanFile =
    std::string(DUBAN_TESTDATA) + "/hunan-education-2020.txt";
inline const std::string kYiyangFile =
    std::string(DUBAN_TESTDATA) + "/yiyang-education-2020.txt";

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_BINARIES_H_
