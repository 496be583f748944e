#!/usr/bin/env bash
# Builds duban and runs every test (unit, integration, e2e) with ctest.
#
#   deploy/test.sh                      Release build in build/
#   DUBAN_BUILD_DIR=build-asan deploy/test.sh \
#       -DDUBAN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DDUBAN_BUILD_BENCH=OFF
#
# Arguments go to cmake's configure step (after -DCMAKE_BUILD_TYPE=Release,
# so they may override it). Integration and e2e tests need redis-server:
# installed (each test process then starts its own on a free loopback port)
# or running at DUBAN_TEST_REDIS=host:port.
#
# Environment: DUBAN_BUILD_DIR (default build/), DUBAN_JOBS (default 2),
# DUBAN_CTEST_ARGS (more ctest arguments, e.g. "-L unit" or "-R Table").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly BUILD_DIR="${DUBAN_BUILD_DIR:-${ROOT}/build}"
readonly JOBS="${DUBAN_JOBS:-2}"

cmake -S "${ROOT}" -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "${BUILD_DIR}" -j "${JOBS}"

cd "${BUILD_DIR}"
read -r -a extra <<<"${DUBAN_CTEST_ARGS:-}"
ctest_args=(--output-on-failure --timeout 600 "${extra[@]}")
status=0
if [[ -n "${DUBAN_TEST_REDIS:-}" ]]; then
  # One Redis is shared by every test process and each test flushes it
  # first, so tests that use it must not overlap; unit tests still run in
  # parallel. (e2e tests start their own Redis and would not mind.)
  echo "test: unit tests (-j${JOBS}), then the rest one at a time against" \
    "Redis at ${DUBAN_TEST_REDIS}"
  ctest "${ctest_args[@]}" -j "${JOBS}" -L '^unit$' || status=1
  ctest "${ctest_args[@]}" -j 1 -LE '^unit$' || status=1
else
  ctest "${ctest_args[@]}" -j "${JOBS}" || status=1
fi
exit "${status}"
