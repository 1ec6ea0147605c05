// Fuzzes the decoder of "lru_crawler metadump all" output (one line at a
// time, as List reads it) and memcached's URL decoding of keys.
//
// Input: byte 0 says where the stream is cut; the rest is the stream.
//
// Properties, beyond no crash, leak or overread:
// - `consumed` is within the input, positive exactly when complete; a
//   complete line is an item with a non-empty key, or END, or one of the
//   server's message lines, whose view lies inside the input;
// - a prefix of the stream parses as the whole stream does (see
//   memcached_reply_fuzzer.cc);
// - UrlDecodeKey is the inverse of percent-encoding: encoding every byte of
//   a decoded key and decoding again gives the same key.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "src/metadump.h"

namespace kivi::memcached {
namespace {

struct Step {
  ParseState state;
  size_t end;
  std::string fingerprint;
};

std::vector<Step> ParseStream(absl::string_view in) {
  std::vector<Step> steps;
  size_t offset = 0;
  while (true) {
    const absl::string_view rest = in.substr(offset);
    MetadumpLine line;
    const ParseResult r = ParseMetadumpLine(rest, &line);
    KIVI_FUZZ_CHECK(r.consumed <= rest.size());
    KIVI_FUZZ_CHECK((r.state == ParseState::kComplete) == (r.consumed > 0));
    if (r.state != ParseState::kComplete) {
      steps.push_back({r.state, 0, ""});
      return steps;
    }
    offset += r.consumed;
    std::string fingerprint;
    if (line.kind == MetadumpLineKind::kItem) {
      KIVI_FUZZ_CHECK(!line.item.key.empty());
      fingerprint = absl::StrCat("item|", line.item.key, "|",
                                 line.item.expires.has_value()
                                     ? absl::ToUnixSeconds(*line.item.expires)
                                     : -1);
    } else {
      KIVI_FUZZ_CHECK(line.message.empty() ||
                      (line.message.data() >= rest.data() &&
                       line.message.data() + line.message.size() <=
                           rest.data() + r.consumed));
      fingerprint =
          absl::StrCat(static_cast<int>(line.kind), "|", line.message);
    }
    steps.push_back({r.state, offset, fingerprint});
  }
}

void CheckUrlDecoding(absl::string_view encoded) {
  absl::StatusOr<std::string> key = UrlDecodeKey(encoded);
  if (!key.ok()) return;
  KIVI_FUZZ_CHECK(key->size() <= encoded.size());
  std::string reencoded;
  for (unsigned char c : *key) absl::StrAppendFormat(&reencoded, "%%%02X", c);
  absl::StatusOr<std::string> again = UrlDecodeKey(reencoded);
  KIVI_FUZZ_CHECK(again.ok() && *again == *key);
}

}  // namespace
}  // namespace kivi::memcached

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kivi::memcached;
  if (size < 1) return 0;
  const absl::string_view stream(reinterpret_cast<const char*>(data + 1),
                                 size - 1);
  const size_t cut = data[0] % (stream.size() + 1);
  CheckUrlDecoding(stream);

  const std::vector<Step> whole = ParseStream(stream);
  std::unique_ptr<char[]> prefix(new char[cut]);
  std::memcpy(prefix.get(), stream.data(), cut);
  const std::vector<Step> part =
      ParseStream(absl::string_view(prefix.get(), cut));
  for (size_t i = 0; i < part.size(); ++i) {
    KIVI_FUZZ_CHECK(i < whole.size());
    const Step& p = part[i];
    const Step& w = whole[i];
    if (p.state == ParseState::kComplete) {
      KIVI_FUZZ_CHECK(w.state == ParseState::kComplete && p.end == w.end &&
                      p.fingerprint == w.fingerprint);
    } else if (p.state == ParseState::kMalformed) {
      KIVI_FUZZ_CHECK(w.state == ParseState::kMalformed);
    } else {
      KIVI_FUZZ_CHECK(w.state != ParseState::kComplete || w.end > cut);
    }
  }
  return 0;
}
