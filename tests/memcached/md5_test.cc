#include "src/md5.h"

#include <openssl/evp.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace kivi::memcached {
namespace {

std::string Hex(const Md5Digest& digest) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

// RFC 1321, appendix A.5.
TEST(Md5, MatchesTheRfcTestSuite) {
  EXPECT_EQ(Hex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Hex(Md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(Hex(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Hex(Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Hex(Md5("abcdefghijklmnopqrstuvwxyz")),
            "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(
      Hex(Md5(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
      "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(Hex(Md5("1234567890123456789012345678901234567890123456789012345678"
                    "9012345678901234567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
}

// Every padding case (tail of 0..63 bytes, one or two final blocks, several
// whole blocks), against OpenSSL's MD5.
TEST(Md5, MatchesOpenSslAtEveryLength) {
  EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  if (md5 == nullptr) GTEST_SKIP() << "OpenSSL refuses MD5 here (FIPS mode)";
  std::string data;
  for (int length = 0; length <= 300; ++length) {
    unsigned char expected[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    ASSERT_EQ(
        EVP_Digest(data.data(), data.size(), expected, &size, md5, nullptr), 1);
    ASSERT_EQ(size, 16u);
    const Md5Digest actual = Md5(data);
    EXPECT_EQ(std::string(actual.begin(), actual.end()),
              std::string(expected, expected + 16))
        << "length " << length;
    data.push_back(static_cast<char>(length * 37 + 11));
  }
  EVP_MD_free(md5);
}

}  // namespace
}  // namespace kivi::memcached
