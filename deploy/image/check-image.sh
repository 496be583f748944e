#!/usr/bin/env bash
# Checks what can be checked of the runtime image without a container
# engine, against a build tree on this (Debian 12) machine:
#
#   1. every binary the image ships (deploy/image/Dockerfile's install line)
#      exists in the build tree;
#   2. none of their shared libraries is "not found";
#   3. every library of their ldd closure belongs (dpkg -S) to a package in
#      the Dockerfile's runtime package list, and that list names only
#      Debian packages (installed here), none of them -dev;
#   4. the binaries are relocatable: no RPATH/RUNPATH at all (they link
#      only system libraries, so none is needed), in particular none into
#      the build tree.
#
#   deploy/image/check-image.sh BUILD_DIR
#   deploy/image/check-image.sh --self-test BUILD_DIR
#
# --self-test also runs the checks on altered copies of the Dockerfile and
# binaries and fails unless each alteration is caught.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly BINARIES=(
  services/plan/plan-server
  services/unit/unit-server
  services/progress/progress-server
  tools/dubanctl/dubanctl
  tools/duban-token/duban-token
)

die() {
  echo "check-image: error: $*" >&2
  exit 2
}

# Prints the runtime stage's package list of Dockerfile $1, one a line: the
# words after "apt-get install" in the stage "AS runtime", up to the line
# that starts with "&&".
runtime_packages() {
  awk '
    /^FROM .* AS runtime/ { stage = 1; next }
    /^FROM / { stage = 0 }
    stage && /apt-get install/ { in_list = 1; next }
    in_list && /^[[:space:]]*&&/ { in_list = 0; exit }
    in_list {
      for (i = 1; i <= NF; i++) {
        if ($i != "\\" && $i !~ /^-/) print $i
      }
    }
  ' "$1"
}

# Package of each library path already looked up (dpkg -S is slow: one
# call for a batch of paths).
declare -A OWNER_CACHE=()

# Looks up, in one dpkg -S call, the packages owning library paths "$@"
# that are not in OWNER_CACHE yet; a path owned by none gets "?". Each path
# is tried as given and with symlinks resolved, with and without /usr
# (Debian's usrmerge makes /lib/... and /usr/lib/... one file, registered
# under one of the names).
lookup_owners() {
  local lib candidates=() line path package
  local -A found=()
  for lib in "$@"; do
    [[ -z "${OWNER_CACHE[${lib}]:-}" ]] || continue
    candidates+=("${lib}" "$(readlink -f "${lib}")" "${lib#/usr}" "/usr${lib}")
  done
  ((${#candidates[@]} > 0)) || return 0
  # "libfoo1:amd64: /usr/lib/x86_64-linux-gnu/libfoo.so.1"; exit status 1
  # when some candidate is owned by nobody, which is expected.
  while IFS= read -r line; do
    [[ "${line}" == *": /"* && "${line}" != diversion* ]] || continue
    path=${line#*: }
    package=${line%%: /*}
    package=${package%%,*}
    found[${path}]=${package%%:*}
  done < <(dpkg -S "${candidates[@]}" 2>/dev/null || true)
  for lib in "$@"; do
    [[ -z "${OWNER_CACHE[${lib}]:-}" ]] || continue
    OWNER_CACHE[${lib}]="?"
    for path in "${lib}" "$(readlink -f "${lib}")" "${lib#/usr}" "/usr${lib}"; do
      if [[ -n "${found[${path}]:-}" ]]; then
        OWNER_CACHE[${lib}]=${found[${path}]}
        break
      fi
    done
  done
}

# Runs every check on build dir $1 against Dockerfile $2. Prints what it
# finds; returns non-zero when any check fails.
check() {
  local build=$1 dockerfile=$2 problems=0 binary path
  local -A wanted=() owners=()
  local package
  while read -r package; do
    wanted[${package}]=1
    if [[ "${package}" == *-dev ]]; then
      echo "FAIL: runtime package list names a -dev package: ${package}"
      problems=$((problems + 1))
    fi
  done < <(runtime_packages "${dockerfile}")
  if ((${#wanted[@]} == 0)); then
    echo "FAIL: no runtime package list found in ${dockerfile}"
    return 1
  fi

  for binary in "${BINARIES[@]}"; do
    path="${build}/${binary}"
    if [[ ! -x "${path}" ]]; then
      echo "FAIL: ${binary} is not built in ${build}"
      problems=$((problems + 1))
      continue
    fi
    if ! grep -q "/build/${binary}" "${dockerfile}"; then
      echo "FAIL: ${dockerfile} does not install ${binary}"
      problems=$((problems + 1))
    fi
    local dynamic
    dynamic=$(readelf -d "${path}")
    if grep -Eq '\((RPATH|RUNPATH)\)' <<<"${dynamic}"; then
      echo "FAIL: ${binary} carries an RPATH/RUNPATH (not relocatable):"
      grep -E '\((RPATH|RUNPATH)\)' <<<"${dynamic}" | sed 's/^/      /'
      problems=$((problems + 1))
    fi
    local line lib
    while read -r line; do
      if [[ "${line}" == *"not found"* ]]; then
        echo "FAIL: ${binary}: ${line}"
        problems=$((problems + 1))
        continue
      fi
      # "libfoo.so.1 => /usr/lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" or
      # "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
      if [[ "${line}" =~ =\>\ (/[^ ]+)\ \( || "${line}" =~ ^(/[^ ]+)\ \( ]]; then
        lib=${BASH_REMATCH[1]}
      else
        continue
      fi
      if [[ "${lib}" == "${build}"/* ]]; then
        echo "FAIL: ${binary} loads ${lib} from the build tree"
        problems=$((problems + 1))
        continue
      fi
      owners[${lib}]=""
    done < <(ldd "${path}")
  done

  lookup_owners "${!owners[@]}"
  for lib in "${!owners[@]}"; do
    package=${OWNER_CACHE[${lib}]}
    owners[${lib}]=${package}
    if [[ "${package}" == "?" ]]; then
      echo "FAIL: ${lib} belongs to no Debian package"
      problems=$((problems + 1))
      continue
    fi
    if [[ -z "${wanted[${package}]:-}" ]]; then
      echo "FAIL: ${lib} is in package ${package}, missing from the runtime list"
      problems=$((problems + 1))
    fi
  done
  # Every listed package must exist: this machine runs Debian 12 as the
  # image does, and has them all installed (the binaries run here).
  for package in "${!wanted[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "${package}" 2>/dev/null)" != \
      "install ok installed" ]]; then
      echo "FAIL: runtime package ${package} is not a Debian package installed here"
      problems=$((problems + 1))
    fi
  done
  # Packages listed but owning none of the libraries are only reported:
  # ca-certificates is data, not a library.
  local used=" ${owners[*]} "
  for package in "${!wanted[@]}"; do
    if [[ "${used}" != *" ${package} "* && "${package}" != ca-certificates ]]; then
      echo "note: runtime package ${package} provides no library the binaries load"
    fi
  done
  if ((problems > 0)); then
    echo "check-image: ${problems} problem(s)"
    return 1
  fi
  echo "check-image: ${#BINARIES[@]} binaries, ${#owners[@]} libraries from" \
    "$(printf '%s\n' "${owners[@]}" | sort -u | wc -l) packages, all in the" \
    "runtime list; no RPATH"
}

# Each alteration must make check() fail.
self_test() {
  local build=$1 failures=0 tmp
  tmp=$(mktemp -d)
  SELF_TEST_TMP=${tmp}
  trap 'rm -rf "${SELF_TEST_TMP}"' EXIT

  expect_failure() {
    local name=$1 build_dir=$2 dockerfile=$3 out
    if out=$(check "${build_dir}" "${dockerfile}" 2>&1); then
      echo "self-test FAILED: ${name}: the check passed"
      failures=$((failures + 1))
    else
      echo "self-test ok: ${name}: $(grep -m1 FAIL <<<"${out}")"
    fi
  }

  # A library package left out of the runtime list.
  sed '/^      libhiredis0.14 \\$/d' "${HERE}/Dockerfile" >"${tmp}/no-hiredis"
  expect_failure "missing runtime package" "${build}" "${tmp}/no-hiredis"

  # A misspelt package name in the runtime list.
  sed 's/^      libre2-9 \\$/      libre2-9 \\\n      libgrpc++1.15 \\/' \
    "${HERE}/Dockerfile" >"${tmp}/misspelt"
  expect_failure "package that does not exist" "${build}" "${tmp}/misspelt"

  # A -dev package in the runtime list.
  sed 's/^      libssl3 \\$/      libssl-dev \\/' "${HERE}/Dockerfile" \
    >"${tmp}/dev-package"
  expect_failure "-dev package in the runtime list" "${build}" \
    "${tmp}/dev-package"

  # A build tree of copies of the real binaries where unit-server is
  # replaced by a tiny program linked with a RUNPATH into the build tree,
  # then by one that needs a library that is nowhere, then by nothing.
  local fake="${tmp}/build"
  local binary
  for binary in "${BINARIES[@]}"; do
    mkdir -p "$(dirname "${fake}/${binary}")"
    cp "${build}/${binary}" "${fake}/${binary}"
  done
  printf 'int main(void) { return 0; }\n' >"${tmp}/main.c"
  cc -o "${fake}/services/unit/unit-server" "${tmp}/main.c" \
    -Wl,--enable-new-dtags,-rpath,"${fake}/common"
  expect_failure "RUNPATH into the build tree" "${fake}" "${HERE}/Dockerfile"

  printf 'int f(void) { return 1; }\n' >"${tmp}/f.c"
  cc -shared -fPIC -o "${tmp}/libdubanmissing.so" "${tmp}/f.c"
  printf 'int f(void);\nint main(void) { return f(); }\n' >"${tmp}/main2.c"
  cc -o "${fake}/services/unit/unit-server" "${tmp}/main2.c" \
    -L"${tmp}" -ldubanmissing
  expect_failure "library not found" "${fake}" "${HERE}/Dockerfile"

  rm "${fake}/services/unit/unit-server"
  expect_failure "binary missing" "${fake}" "${HERE}/Dockerfile"

  if ((failures > 0)); then
    echo "check-image: self-test: ${failures} alteration(s) not caught"
    return 1
  fi
  echo "check-image: self-test: every alteration caught"
}

main() {
  local self_test_mode=0
  if [[ "${1:-}" == --self-test ]]; then
    self_test_mode=1
    shift
  fi
  (($# == 1)) || die "usage: $0 [--self-test] BUILD_DIR"
  local build
  build=$(cd "$1" && pwd -P) || die "no build directory $1"
  command -v readelf >/dev/null || die "readelf not found (binutils)"
  check "${build}" "${HERE}/Dockerfile"
  if ((self_test_mode)); then
    self_test "${build}"
  fi
}

main "$@"
