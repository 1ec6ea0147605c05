// ASCII authentication (-Y) and TLS (-Z), with credentials and certificates
// made at test time.

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;

// A temporary directory, removed with its files.
class TempDir {
 public:
  TempDir() {
    char path[] = "/tmp/kivi-sec-XXXXXX";
    path_ = ::mkdtemp(path) != nullptr ? path : "";
  }
  ~TempDir() {
    if (!path_.empty()) {
      (void)std::system(absl::StrCat("rm -rf '", path_, "'").c_str());
    }
  }
  std::string File(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }
  void Write(absl::string_view name, absl::string_view text) const {
    std::ofstream(File(name)) << text;
  }

 private:
  std::string path_;
};

absl::StatusOr<std::unique_ptr<MemcachedProcess>> StartServer(
    std::vector<std::string> args) {
  return MemcachedProcess::Start(std::move(args));
}

TEST(MemcachedAuth, RightPasswordWorksWrongOneIsUnauthenticated) {
  KIVI_REQUIRE_MEMCACHED();
  TempDir dir;
  dir.Write("server-auth", "alice:s3cret\n");
  dir.Write("good", "alice:s3cret\n");
  dir.Write("bad", "alice:wrong\n");
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      StartServer({"-Y", dir.File("server-auth")});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string base = absl::StrCat("memcached://", (*server)->address());

  absl::StatusOr<std::unique_ptr<Client>> good =
      Open(absl::StrCat(base, "?auth_file=", dir.File("good")));
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_TRUE((*good)->Set("k", "v").ok());
  EXPECT_EQ(*(*good)->Get("k"), "v");
  absl::StatusOr<BatchGetResult> batch = (*good)->BatchGet({"k"});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->found.at("k"), "v");

  absl::StatusOr<std::unique_ptr<Client>> bad =
      Open(absl::StrCat(base, "?auth_file=", dir.File("bad")));
  ASSERT_TRUE(bad.ok()) << bad.status();
  absl::StatusOr<std::string> denied = (*bad)->Get("k");
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kUnauthenticated)
      << denied.status();
  EXPECT_THAT(denied.status().message(), HasSubstr((*server)->address()));

  absl::StatusOr<std::unique_ptr<Client>> none = Open(base);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->Get("k").status().code(),
            absl::StatusCode::kUnauthenticated);
}

// Makes a CA and a server certificate for 127.0.0.1 signed by it, and a
// second, unrelated CA.
bool MakeCertificates(const TempDir& dir) {
  dir.Write("san.ext", "subjectAltName=IP:127.0.0.1\n");
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1";
  const std::string script = absl::StrCat(
      "(cd '", dir.File(""), "' && ",
      "openssl req -x509 ", ec, " -nodes -keyout ca.key -out ca.pem ",
      "-days 1 -subj /CN=kivi-test-ca && ",
      "openssl req -x509 ", ec, " -nodes -keyout other.key -out other.pem ",
      "-days 1 -subj /CN=kivi-other-ca && ",
      "openssl req ", ec, " -nodes -keyout server.key -out server.csr ",
      "-subj /CN=127.0.0.1 && ",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key ",
      "-CAcreateserial -out server.pem -days 1 -extfile san.ext",
      ") >/dev/null 2>&1");
  return std::system(script.c_str()) == 0;
}

TEST(MemcachedTls, VerifiedConnectionWorksUnknownCaIsRefused) {
  KIVI_REQUIRE_MEMCACHED();
  if (::access("/usr/bin/openssl", X_OK) != 0) {
    if (InCi()) GTEST_FAIL() << "openssl CLI missing and CI=true";
    GTEST_SKIP() << "openssl CLI missing";
  }
  TempDir dir;
  ASSERT_TRUE(MakeCertificates(dir));
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server = StartServer(
      {"-Z", "-o",
       absl::StrCat("ssl_chain_cert=", dir.File("server.pem"),
                    ",ssl_key=", dir.File("server.key"))});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string base = absl::StrCat("memcached://", (*server)->address());

  absl::StatusOr<std::unique_ptr<Client>> tls =
      Open(absl::StrCat(base, "?tls=1&tls_ca=", dir.File("ca.pem")));
  ASSERT_TRUE(tls.ok()) << tls.status();
  ASSERT_TRUE((*tls)->Set("k", std::string(200000, 'z')).ok());
  EXPECT_EQ(*(*tls)->Get("k"), std::string(200000, 'z'));
  absl::StatusOr<BatchGetResult> batch = (*tls)->BatchGet({"k", "absent"});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->found.size(), 1u);
  EXPECT_TRUE(batch->failed.empty());
  EXPECT_TRUE((*tls)->Health().ok());

  absl::StatusOr<std::unique_ptr<Client>> untrusted =
      Open(absl::StrCat(base, "?tls=1&tls_ca=", dir.File("other.pem")));
  ASSERT_TRUE(untrusted.ok()) << untrusted.status();
  absl::Status refused = (*untrusted)->Get("k").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("certificate"));

  absl::StatusOr<std::unique_ptr<Client>> unverified =
      Open(absl::StrCat(base, "?tls=1&tls_verify=0"));
  ASSERT_TRUE(unverified.ok());
  EXPECT_TRUE((*unverified)->Get("k").ok());

  EXPECT_EQ(Open(absl::StrCat(base, "?tls=1&tls_ca=/nonexistent.pem"))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kivi::testing
