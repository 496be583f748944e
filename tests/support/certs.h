// Certificates made on the fly for TLS tests (OpenSSL's C API, EC P-256
// keys): a certificate authority, and the server and client certificates it
// signs, with chosen names, serial and validity; written out as PEM files.
#ifndef DUBAN_TESTS_SUPPORT_CERTS_H_
#define DUBAN_TESTS_SUPPORT_CERTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace duban {

// A certificate and its private key, both PEM.
struct PemCertificate {
  std::string cert;
  std::string key;
};

// What a signed (leaf) certificate says.
struct CertificateSpec {
  std::string common_name;
  // Subject alternative names; a server's must include the name dialled.
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> uris;  // "spiffe://duban.test/plan-server"
  // Validity, relative to now: negative offsets lie in the past, so that
  // not_after < 0 makes an expired certificate.
  absl::Duration not_before = -absl::Hours(1);
  absl::Duration not_after = absl::Hours(24);
  // 0: a random serial.
  uint64_t serial = 0;
};

// A self-signed certificate authority.
class TestCertificateAuthority {
 public:
  static absl::StatusOr<TestCertificateAuthority> Create(
      const std::string& common_name);

  // The CA's own certificate, PEM: the trust root for what it signs.
  const std::string& cert_pem() const { return self_.cert; }

  // A leaf certificate signed by this CA, usable for both server and client
  // authentication.
  absl::StatusOr<PemCertificate> Issue(const CertificateSpec& spec) const;

 private:
  TestCertificateAuthority() = default;
  PemCertificate self_;
  std::string name_;
};

// Writes `content` to `path` through a temporary file and a rename, so that
// a reader (the certificate watcher) never sees half a file.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& content);

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_CERTS_H_
