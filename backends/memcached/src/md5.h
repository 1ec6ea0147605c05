#ifndef KIVI_BACKENDS_MEMCACHED_SRC_MD5_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_MD5_H_

// MD5 (RFC 1321), for ketama only: libmemcached places keys and servers on
// its ring by MD5, so kivi must hash exactly so. Not for anything that needs
// a secure hash. Written in-process because OpenSSL's EVP path costs about
// four times the instructions and may refuse MD5 altogether (FIPS mode).

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace kivi::memcached {

using Md5Digest = std::array<unsigned char, 16>;

// The MD5 digest of `data`. Allocates nothing.
Md5Digest Md5(absl::string_view data);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_MD5_H_
