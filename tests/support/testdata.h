// Reads files of tests/testdata (the seed plans, crafted documents) for
// tests; every duban_test target has DUBAN_TESTDATA defined.
#ifndef DUBAN_TESTS_SUPPORT_TESTDATA_H_
#define DUBAN_TESTS_SUPPORT_TESTDATA_H_

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace duban {

// The bytes of tests/testdata/<name>; a missing file fails the test.
inline std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(DUBAN_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing testdata " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_TESTDATA_H_
