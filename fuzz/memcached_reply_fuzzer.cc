// Fuzzes the memcached reply parsers (meta and classic) the way a
// connection drives them: over a byte stream that arrives in pieces.
//
// Input: byte 0 picks the parser and the value limit, byte 1 where the
// stream is cut; the rest is the stream.
//
// Properties, beyond no crash, leak or overread:
// - `consumed` is within the input, positive for a complete reply, zero
//   otherwise; every view of a parsed reply lies inside the input; a value
//   never exceeds the limit;
// - parsing a prefix of the stream agrees with parsing all of it: each
//   reply complete within the prefix parses identically; a prefix is never
//   Malformed where the whole stream is not, and never Incomplete where the
//   whole stream holds a complete reply. (The connection parses whatever
//   has arrived so far; the wire must not change the answer.)
// - the fast paths for the common replies (ParseCommonMetaReply,
//   ParseCommonTextReply) agree with the general parsers wherever they
//   claim an input.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "src/protocol.h"
#include "src/replies.h"

namespace kivi::memcached {
namespace {

bool Inside(absl::string_view view, absl::string_view in) {
  return view.empty() || (view.data() >= in.data() &&
                          view.data() + view.size() <= in.data() + in.size());
}

template <typename T>
std::string Opt(const absl::optional<T>& v) {
  return v.has_value() ? absl::StrCat(*v) : "-";
}

// What a parsed reply says, as a string to compare two parses by.
std::string Fingerprint(const MetaReply& r, absl::string_view in,
                        size_t max_value) {
  KIVI_FUZZ_CHECK(Inside(r.value, in) && Inside(r.message, in) &&
                  Inside(r.opaque, in) && Inside(r.key, in));
  KIVI_FUZZ_CHECK(r.value.size() <= max_value);
  KIVI_FUZZ_CHECK(r.code == ReplyCode::kVA || r.value.empty());
  KIVI_FUZZ_CHECK(r.opaque.size() <= kMaxOpaqueBytes);
  return absl::StrCat(ReplyCodeName(r.code), "|", r.value, "|", r.message, "|",
                      r.opaque, "|", r.key, "|", r.key_is_base64, Opt(r.cas),
                      Opt(r.ttl), Opt(r.client_flags), Opt(r.size),
                      Opt(r.last_access), Opt(r.hit_before), r.win, r.stale,
                      r.already_won);
}

std::string Fingerprint(const TextReply& r, absl::string_view in,
                        size_t max_value) {
  KIVI_FUZZ_CHECK(Inside(r.key, in) && Inside(r.data, in) &&
                  Inside(r.name, in) && Inside(r.text, in));
  KIVI_FUZZ_CHECK(r.data.size() <= max_value);
  return absl::StrCat(static_cast<int>(r.kind), "|", r.key, "|", r.client_flags,
                      "|", Opt(r.cas), "|", r.data, "|", r.name, "|", r.text);
}

bool FastPath(absl::string_view in, size_t max_value, MetaReply* out,
              ParseResult* result) {
  return ParseCommonMetaReply(in, max_value, out, result);
}
bool FastPath(absl::string_view in, size_t max_value, TextReply* out,
              ParseResult* result) {
  return ParseCommonTextReply(in, max_value, out, result);
}

// Where the fast path takes `in`, it must say what the general parser said.
template <typename Reply>
void CheckFastPathAgrees(absl::string_view in, size_t max_value,
                         const ParseResult& general, const Reply& reply) {
  Reply fast;
  ParseResult r;
  if (!FastPath(in, max_value, &fast, &r)) return;
  KIVI_FUZZ_CHECK(r.state == general.state);
  KIVI_FUZZ_CHECK(r.consumed == general.consumed);
  if (r.state == ParseState::kComplete) {
    KIVI_FUZZ_CHECK(Fingerprint(fast, in, max_value) ==
                    Fingerprint(reply, in, max_value));
  }
}

struct Step {
  ParseState state;
  size_t end;  // Offset just past the reply (kComplete).
  std::string fingerprint;
};

// Parses replies one after another from the start of `in` until one is
// not complete.
template <typename Reply, typename Parse>
std::vector<Step> ParseStream(absl::string_view in, size_t max_value,
                              Parse parse) {
  std::vector<Step> steps;
  size_t offset = 0;
  while (true) {
    const absl::string_view rest = in.substr(offset);
    Reply reply;
    const ParseResult r = parse(rest, max_value, &reply);
    CheckFastPathAgrees(rest, max_value, r, reply);
    KIVI_FUZZ_CHECK(r.consumed <= rest.size());
    KIVI_FUZZ_CHECK((r.state == ParseState::kComplete) == (r.consumed > 0));
    KIVI_FUZZ_CHECK(r.state == ParseState::kMalformed || r.error.empty());
    if (r.state != ParseState::kComplete) {
      steps.push_back({r.state, 0, ""});
      return steps;
    }
    offset += r.consumed;
    steps.push_back({r.state, offset, Fingerprint(reply, rest, max_value)});
  }
}

template <typename Reply, typename Parse>
void CheckPrefixAgrees(absl::string_view stream, size_t cut, size_t max_value,
                       Parse parse) {
  const std::vector<Step> whole = ParseStream<Reply>(stream, max_value, parse);
  // The prefix gets its own exact-size buffer, so that reading past it is
  // an overflow AddressSanitizer reports.
  std::unique_ptr<char[]> prefix(new char[cut]);
  std::memcpy(prefix.get(), stream.data(), cut);
  const std::vector<Step> part = ParseStream<Reply>(
      absl::string_view(prefix.get(), cut), max_value, parse);
  for (size_t i = 0; i < part.size(); ++i) {
    KIVI_FUZZ_CHECK(i < whole.size());
    const Step& p = part[i];
    const Step& w = whole[i];
    switch (p.state) {
      case ParseState::kComplete:
        KIVI_FUZZ_CHECK(w.state == ParseState::kComplete);
        KIVI_FUZZ_CHECK(p.end == w.end);
        KIVI_FUZZ_CHECK(p.fingerprint == w.fingerprint);
        break;
      case ParseState::kMalformed:
        KIVI_FUZZ_CHECK(w.state == ParseState::kMalformed);
        break;
      case ParseState::kIncomplete:
        KIVI_FUZZ_CHECK(w.state != ParseState::kComplete || w.end > cut);
        break;
    }
  }
}

}  // namespace
}  // namespace kivi::memcached

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kivi::memcached;
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const absl::string_view stream(reinterpret_cast<const char*>(data + 2),
                                 size - 2);
  const size_t cut = stream.empty() ? 0 : data[1] % (stream.size() + 1);
  // Small limits reach the "value too large" paths with small inputs.
  const size_t max_value = (mode & 2) ? 16 : 1 << 20;
  if (mode & 1) {
    CheckPrefixAgrees<TextReply>(stream, cut, max_value, ParseTextReply);
  } else {
    CheckPrefixAgrees<MetaReply>(stream, cut, max_value, ParseMetaReply);
  }
  return 0;
}
