// Fuzzes the RESP reply parser the way a connection drives it: over a byte
// stream that arrives in pieces.
//
// Input: byte 0 says where the stream is cut; the rest is the stream.
//
// Properties, beyond no crash, leak, overread or unbounded recursion:
// - `consumed` is within the input, positive for a complete reply and zero
//   otherwise; every view of a parsed reply lies inside the input; limits
//   hold (nesting, bulk size);
// - parsing a prefix of the stream agrees with parsing all of it: each
//   reply complete within the prefix parses identically; a prefix is never
//   Malformed where the whole stream is not, and never Incomplete where the
//   whole stream holds a complete reply there.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/redis/src/resp.h"
#include "fuzz/fuzz_check.h"

namespace kivi::redis {
namespace {

bool Inside(absl::string_view view, absl::string_view in) {
  return view.empty() || (view.data() >= in.data() &&
                          view.data() + view.size() <= in.data() + in.size());
}

// What a parsed reply says, as a string to compare two parses by.
void Fingerprint(const Reply& r, absl::string_view in, int depth,
                 std::string* out) {
  KIVI_FUZZ_CHECK(depth <= kMaxNesting);
  KIVI_FUZZ_CHECK(Inside(r.text, in));
  KIVI_FUZZ_CHECK(static_cast<int64_t>(r.text.size()) <= kMaxBulkBytes);
  absl::StrAppend(out, static_cast<int>(r.type), ":", r.text.size(), ":",
                  r.text, ":", r.integer, "[");
  if (r.type == ReplyType::kMap) KIVI_FUZZ_CHECK(r.elements.size() % 2 == 0);
  for (const Reply& e : r.elements) Fingerprint(e, in, depth + 1, out);
  out->push_back(']');
}

struct Outcome {
  std::vector<std::string> replies;
  ParseState last = ParseState::kIncomplete;
  size_t offset = 0;  // Where the last, unfinished parse started.
};

// Parses replies from the front of `in` until one is not complete.
Outcome ParseAll(absl::string_view in) {
  Outcome outcome;
  Reply reply;
  while (true) {
    const absl::string_view rest = in.substr(outcome.offset);
    const ParseResult result = ParseReply(rest, &reply);
    if (result.state != ParseState::kComplete) {
      KIVI_FUZZ_CHECK(result.consumed == 0);
      KIVI_FUZZ_CHECK((result.state == ParseState::kMalformed) ==
                      !result.error.empty());
      outcome.last = result.state;
      return outcome;
    }
    KIVI_FUZZ_CHECK(result.consumed > 0 && result.consumed <= rest.size());
    std::string fingerprint;
    Fingerprint(reply, rest.substr(0, result.consumed), 0, &fingerprint);
    outcome.replies.push_back(std::move(fingerprint));
    outcome.offset += result.consumed;
  }
}

}  // namespace
}  // namespace kivi::redis

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kivi::redis::Outcome;
  using kivi::redis::ParseState;
  if (size < 1) return 0;
  // A copy of exactly the stream, so that an overread is caught by ASan.
  const std::string stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t cut = stream.empty() ? 0 : data[0] % (stream.size() + 1);
  const std::string prefix = stream.substr(0, cut);

  const Outcome whole = kivi::redis::ParseAll(stream);
  const Outcome part = kivi::redis::ParseAll(prefix);
  KIVI_FUZZ_CHECK(part.replies.size() <= whole.replies.size());
  for (size_t i = 0; i < part.replies.size(); ++i) {
    KIVI_FUZZ_CHECK(part.replies[i] == whole.replies[i]);
  }
  if (part.last == ParseState::kMalformed) {
    KIVI_FUZZ_CHECK(whole.last == ParseState::kMalformed &&
                    whole.replies.size() == part.replies.size());
  }
  return 0;
}
