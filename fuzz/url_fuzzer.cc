// Fuzzes configuration parsing: backend URLs (BackendUrl::Parse), typed
// parameters (ParamReader, ParseBytes, ParseDuration), memcached server
// lists and the ketama ring built from them, and opening a memory://,
// memcached:// or redis:// client from the whole URL (no I/O: networked
// backends connect lazily).
//
// Properties, beyond no crash, leak, overflow or hang:
// - a parsed URL has a lower-case scheme and non-empty parameter names, and
//   re-encoding its parts and parsing again gives the same parts;
// - ParseBytes and ParseDuration either fail or return what the text says
//   (a duration is finite and non-negative);
// - a parsed server list re-parses to itself from its printed form, and its
//   ring picks only listed servers;
// - a memory:// client that opens returns what was stored in it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "kivi/client.h"
#include "kivi/memcached/memcached_backend.h"
#include "kivi/memory/memory_backend.h"
#include "kivi/redis/redis_backend.h"
#include "kivi/registry.h"
#include "kivi/url.h"
#include "src/ring.h"
#include "src/server_list.h"

namespace kivi {
namespace {

std::string Escape(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) absl::StrAppendFormat(&out, "%%%02X", c);
  return out;
}

void CheckUrlRoundTrip(const BackendUrl& url) {
  for (char c : url.scheme) KIVI_FUZZ_CHECK(!absl::ascii_isupper(c));
  std::string text = absl::StrCat(url.scheme, "://", url.authority);
  if (!url.path.empty()) absl::StrAppend(&text, "/", url.path);
  std::string separator = "?";
  for (const auto& [name, value] : url.params) {
    KIVI_FUZZ_CHECK(!name.empty());
    absl::StrAppend(&text, separator, Escape(name), "=", Escape(value));
    separator = "&";
  }
  // An authority or path holding '?' or '/' cannot be written back
  // unambiguously; Parse never produces one.
  KIVI_FUZZ_CHECK(url.authority.find_first_of("?/") == std::string::npos);
  KIVI_FUZZ_CHECK(url.path.find('?') == std::string::npos);
  absl::StatusOr<BackendUrl> again = BackendUrl::Parse(text);
  KIVI_FUZZ_CHECK(again.ok());
  KIVI_FUZZ_CHECK(again->scheme == url.scheme &&
                  again->authority == url.authority &&
                  again->path == url.path && again->params == url.params);
}

void CheckValueParsers(absl::string_view text) {
  if (absl::StatusOr<absl::Duration> d = ParseDuration(text); d.ok()) {
    KIVI_FUZZ_CHECK(*d >= absl::ZeroDuration() &&
                    *d < absl::InfiniteDuration());
  }
  if (absl::StatusOr<uint64_t> b = ParseBytes(text); b.ok()) {
    size_t digits = 0;
    while (digits < text.size() && absl::ascii_isdigit(text[digits])) {
      ++digits;
    }
    KIVI_FUZZ_CHECK(digits > 0);
    // The number times the unit's factor: divisible back to the number.
    uint64_t number = 0;
    KIVI_FUZZ_CHECK(absl::SimpleAtoi(text.substr(0, digits), &number));
    KIVI_FUZZ_CHECK(number == 0 ? *b == 0 : *b % number == 0);
  }
}

void CheckServerList(absl::string_view authority) {
  absl::StatusOr<std::vector<memcached::ServerAddress>> servers =
      memcached::ParseServerList(authority);
  if (!servers.ok()) return;
  KIVI_FUZZ_CHECK(!servers->empty());
  std::vector<std::string> printed;
  for (const memcached::ServerAddress& s : *servers) {
    KIVI_FUZZ_CHECK(s.port >= 1 && s.weight >= 1);
    printed.push_back(absl::StrCat(s.ToString(), "*", s.weight));
  }
  absl::StatusOr<std::vector<memcached::ServerAddress>> again =
      memcached::ParseServerList(absl::StrJoin(printed, ","));
  KIVI_FUZZ_CHECK(again.ok() && *again == *servers);
  absl::StatusOr<memcached::ServerRing> ring =
      memcached::ServerRing::Build(*servers);
  KIVI_FUZZ_CHECK(ring.ok());
  KIVI_FUZZ_CHECK(ring->Pick(authority) < servers->size());
}

const BackendRegistry& Registry() {
  static const BackendRegistry* const registry = [] {
    auto* r = new BackendRegistry;
    (void)RegisterMemoryBackend(*r);
    (void)RegisterMemcachedBackend(*r);
    (void)RegisterRedisBackend(*r);
    return r;
  }();
  return *registry;
}

void CheckOpen(absl::string_view text, const BackendUrl& url) {
  // Parameters naming files (credentials, certificates) would make the
  // fuzzer read arbitrary paths; they are parsed above, not opened here.
  for (const char* file_param :
       {"auth_file", "password_file", "tls", "tls_ca", "tls_cert",
        "tls_key"}) {
    if (url.params.contains(file_param)) return;
  }
  absl::StatusOr<std::unique_ptr<Client>> client = Registry().Open(text);
  if (!client.ok() || url.scheme != "memory") return;
  // The write may be refused (a namespace leaving no room for the key, a
  // tiny max_value_bytes) and may expire at once (a tiny default_ttl), but
  // what is read back is what was written.
  const std::string value = "fuzz value";
  if (!(*client)->Set("fuzz-key", value).ok()) return;
  absl::StatusOr<std::string> got = (*client)->Get("fuzz-key");
  if (got.ok()) {
    KIVI_FUZZ_CHECK(*got == value);
  } else {
    KIVI_FUZZ_CHECK(absl::IsNotFound(got.status()) &&
                    (*client)->options().default_ttl > absl::ZeroDuration());
  }
}

}  // namespace
}  // namespace kivi

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kivi;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  CheckValueParsers(text);
  absl::StatusOr<BackendUrl> url = BackendUrl::Parse(text);
  if (!url.ok()) return 0;
  CheckUrlRoundTrip(*url);
  for (const auto& [name, value] : url->params) CheckValueParsers(value);
  CheckServerList(url->authority);
  CheckOpen(text, *url);
  return 0;
}
