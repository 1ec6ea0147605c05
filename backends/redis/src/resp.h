#ifndef KIVI_BACKENDS_REDIS_SRC_RESP_H_
#define KIVI_BACKENDS_REDIS_SRC_RESP_H_

// RESP, the Redis protocol, as pure functions over bytes: a command encoder
// that appends to a caller-owned buffer, and a strict reply parser that
// reads RESP3 (and so RESP2, its subset) in place and never trusts a length
// it has not bounded. No I/O, no global state: safe to call concurrently.
//
// Reference: the RESP3 specification (redis/redis-specifications,
// protocol/RESP3.md); baseline server 7.0.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace kivi::redis {

// The longest line (simple string, simple error, number, length header) a
// parser accepts. A longer line without "\r\n" is malformed rather than
// incomplete, so a confused peer cannot make a reader buffer without bound.
inline constexpr size_t kMaxLineBytes = 64 * 1024;
// The largest bulk string accepted (Redis's own proto-max-bulk-len default).
inline constexpr int64_t kMaxBulkBytes = int64_t{512} << 20;
// The most elements one aggregate may announce.
inline constexpr int64_t kMaxAggregateElements = int64_t{1} << 24;
// How deeply aggregates may nest (CLUSTER SLOTS needs 3, INFO maps 2).
inline constexpr int kMaxNesting = 8;

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

// Appends one command, a RESP array of bulk strings, to `out`.
void AppendCommand(std::string* out, absl::Span<const absl::string_view> args);
inline void AppendCommand(std::string* out,
                          std::initializer_list<absl::string_view> args) {
  AppendCommand(out, absl::MakeConstSpan(args.begin(), args.size()));
}

// Building blocks for commands whose arguments are not at hand as one span:
// an array header announcing `count` arguments, then exactly that many bulk
// strings.
void AppendArrayHeader(std::string* out, size_t count);
void AppendBulk(std::string* out, absl::string_view arg);
// A decimal integer as a bulk string.
void AppendBulk(std::string* out, int64_t arg);

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

enum class ReplyType {
  kSimpleString,  // "+OK"
  kError,         // "-ERR ..." or a bulk error "!<len>"
  kInteger,       // ":<n>"
  kBulkString,    // "$<len>"
  kNull,          // "_", and RESP2's "$-1" / "*-1"
  kArray,         // "*<n>"
  kMap,           // "%<n>": 2n elements, key then value
  kSet,           // "~<n>"
  kPush,          // ">"<n>: out-of-band data, not a reply to a request
  kDouble,        // ",<text>"
  kBoolean,       // "#t" / "#f"
  kBigNumber,     // "(<digits>"
  kVerbatim,      // "=<len>" with a "fmt:" prefix
};

// One parsed reply. String views point into the parsed buffer and are valid
// only while it is unchanged. Attributes ("|") are skipped: they are
// metadata a client may ignore.
struct Reply {
  ReplyType type = ReplyType::kNull;
  // kSimpleString, kError (the whole text, e.g. "MOVED 3999 h:p"),
  // kBulkString, kVerbatim (without its "fmt:" prefix), kDouble and
  // kBigNumber (their text).
  absl::string_view text;
  // kInteger; kBoolean (1 for true, 0 for false).
  int64_t integer = 0;
  // kArray, kSet, kPush; kMap as key, value, key, value, ...
  std::vector<Reply> elements;

  bool IsError() const { return type == ReplyType::kError; }
  // kSimpleString, kBulkString or kVerbatim.
  bool IsString() const;
  // kArray, kSet or kPush (kMap's elements alternate keys and values).
  bool IsList() const;
  // The error's code, its first word: "MOVED", "NOSCRIPT", "ERR" ...
  absl::string_view ErrorCode() const;
};

enum class ParseState {
  kComplete,    // One reply was parsed; `consumed` bytes belong to it.
  kIncomplete,  // The input ends inside a reply; read more and call again.
  kMalformed,   // Not valid RESP: the connection is out of sync; drop it.
};

struct ParseResult {
  ParseState state = ParseState::kIncomplete;
  // Bytes of the input the reply spans (kComplete only; else 0).
  size_t consumed = 0;
  // Why the input is malformed (kMalformed only); quotes at most a short,
  // escaped prefix of the offending bytes.
  std::string error;
};

// Parses the reply at the start of `in` into `*reply` (whose previous
// contents are replaced). On kIncomplete nothing is consumed: call again
// from the same start once more bytes have arrived.
ParseResult ParseReply(absl::string_view in, Reply* reply);

// `text` escaped and quoted for an error message, cut to a short prefix.
std::string QuoteForError(absl::string_view text);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_RESP_H_
