#include "common/ids.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace duban {

absl::Status ValidateResourceId(absl::string_view field, absl::string_view id) {
  if (id.empty() || id.size() > 63) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be 1-63 characters (got \"", id, "\", ",
                     id.size(), " bytes)"));
  }
  if (!absl::ascii_islower(id.front())) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must start with a lower-case letter a-z (got \"", id, "\")"));
  }
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": only a-z, 0-9 and '-' are allowed (got \"", id, "\")"));
    }
  }
  if (id.back() == '-') {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not end with '-' (got \"", id, "\")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view field, absl::string_view id) {
  if (id.empty() || id.size() > 128) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be 1-128 characters (got ", id.size(), ")"));
  }
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": only printable ASCII without spaces is allowed"));
    }
  }
  return absl::OkStatus();
}

std::string NewRequestId() {
  absl::BitGen gen;
  uint64_t hi = absl::Uniform<uint64_t>(gen);
  uint64_t lo = absl::Uniform<uint64_t>(gen);
  hi = (hi & ~uint64_t{0xF000}) | uint64_t{0x4000};            // version 4
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32,
                         (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                         lo & 0xFFFFFFFFFFFF);
}

std::string DeriveResourceId(absl::string_view prefix, absl::string_view seed) {
  return absl::StrCat(prefix, "-", Sha256Hex(seed).substr(0, 12));
}

std::string RandomResourceId(absl::string_view prefix) {
  absl::BitGen gen;
  return absl::StrFormat("%s-%012x", prefix,
                         absl::Uniform<uint64_t>(gen) & 0xFFFFFFFFFFFF);
}

std::string Sha256Hex(absl::string_view data) {
  // OpenSSL 3's one-shot SHA256() looks the algorithm up in its providers
  // on every call; fetched once here, since every write fingerprints its
  // request.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (kSha256 == nullptr || EVP_Digest(data.data(), data.size(), digest, &size,
                                       kSha256, nullptr) != 1) {
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           digest);
    size = SHA256_DIGEST_LENGTH;
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace duban
