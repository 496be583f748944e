#!/usr/bin/env bash
# Installs the Debian 12 packages that duban needs to build, test and run
# locally. Does nothing (and does not touch apt) when every package is
# already installed. Runs apt-get through sudo when not root.
set -euo pipefail

readonly PACKAGES=(
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev redis-server redis-tools
  libgtest-dev libgmock-dev libbenchmark-dev
  pkg-config cmake g++ ccache grpc-proto libcli11-dev libssl-dev clang-format
  openssl
  libcpp-httplib-dev
  libjwt-dev libjansson-dev
  libgoogle-perftools-dev
)

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "${package}" 2>/dev/null || true)
  if [[ "${status}" != "install ok installed" ]]; then
    missing+=("${package}")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: missing packages (${missing[*]}) and not root;" \
      "run this script as root or install sudo" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
