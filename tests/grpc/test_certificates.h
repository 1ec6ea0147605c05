#ifndef KIVI_TESTS_GRPC_TEST_CERTIFICATES_H_
#define KIVI_TESTS_GRPC_TEST_CERTIFICATES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace kivi::testing {

// Throw-away PKI for TLS tests, made by the `openssl` command in a fresh
// temporary directory that the destructor removes. Every file is PEM; keys
// are unencrypted P-256 keys (but encrypted_server_key()); certificates
// live one day.
class TestCertificates {
 public:
  // Generates everything. Internal (with openssl's output) if the openssl
  // command is missing or fails.
  static absl::StatusOr<std::unique_ptr<TestCertificates>> Create();

  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;
  ~TestCertificates();

  // The CA that signed the server and client certificates.
  std::string ca() const { return Path("ca.pem"); }
  // The server's certificate (for 127.0.0.1 and "localhost") and key.
  std::string server_cert() const { return Path("server.pem"); }
  std::string server_key() const { return Path("server.key"); }
  // server_key(), encrypted with a passphrase.
  std::string encrypted_server_key() const {
    return Path("server-encrypted.key");
  }
  // A client certificate signed by ca(), and its key.
  std::string client_cert() const { return Path("client.pem"); }
  std::string client_key() const { return Path("client.key"); }
  // A client certificate signed by another CA, which a server trusting
  // ca() must refuse.
  std::string rogue_client_cert() const { return Path("rogue-client.pem"); }
  std::string rogue_client_key() const { return Path("rogue-client.key"); }
  // A file that holds text but no PEM block.
  std::string not_pem() const { return Path("not.pem"); }

  // Writes `content` to a new file in the directory and returns its path.
  std::string WriteFile(const std::string& name,
                        const std::string& content) const;
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  explicit TestCertificates(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
};

}  // namespace kivi::testing

#endif  // KIVI_TESTS_GRPC_TEST_CERTIFICATES_H_
