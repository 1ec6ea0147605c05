#ifndef KIVI_BACKENDS_MEMCACHED_SRC_PROTOCOL_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_PROTOCOL_H_

// The memcached text protocol as pure functions over bytes: request encoders
// that append to a caller-owned buffer, and strict reply parsers that never
// trust a length they have not bounded. No I/O, no global state: every
// function here is safe to call concurrently from any thread.
//
// Reference: memcached's doc/protocol.txt; baseline server 1.6.18.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"

namespace kivi::memcached {

// The longest reply line (without its data block) a parser accepts. A line
// longer than this with no "\r\n" is kMalformed rather than kIncomplete, so a
// confused or hostile peer cannot make a reader buffer without bound.
inline constexpr size_t kMaxLineBytes = 8 * 1024;

// The longest opaque token memcached echoes back ("O" flag).
inline constexpr size_t kMaxOpaqueBytes = 32;

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

enum class ParseState {
  kComplete,    // One reply was parsed; `consumed` bytes belong to it.
  kIncomplete,  // The input ends inside a reply; read more and call again.
  kMalformed,   // Not a valid reply: the connection is out of sync; drop it.
};

struct ParseResult {
  ParseState state = ParseState::kIncomplete;
  // Bytes of the input that form the reply (kComplete only; else 0).
  size_t consumed = 0;
  // Why the input is malformed (kMalformed only), for the error the caller
  // reports; it quotes at most a short, escaped prefix of the offending line.
  std::string error;
};

// The status code that starts a meta reply line.
enum class ReplyCode {
  kHD,           // Success, no value ("HD").
  kVA,           // Success with a value block ("VA <size>").
  kEN,           // mg/me miss ("EN").
  kNF,           // Not found ("NF": md, ma, ms with C).
  kNS,           // Not stored ("NS": ms add/replace, ma auto-create).
  kEX,           // CAS mismatch ("EX").
  kMN,           // The reply to "mn" ("MN").
  kME,           // The reply to "me" ("ME <key> <k>=<v>*").
  kError,        // "ERROR [message]": unknown command.
  kClientError,  // "CLIENT_ERROR <message>".
  kServerError,  // "SERVER_ERROR <message>".
};

// Returns "HD", "VA", ..., "CLIENT_ERROR", for messages.
absl::string_view ReplyCodeName(ReplyCode code);

// One parsed meta reply. All string_views point into the buffer that was
// parsed and are valid only while it is unchanged.
struct MetaReply {
  ReplyCode code = ReplyCode::kError;
  // kVA: the data block (without its trailing "\r\n"); may be empty.
  absl::string_view value;
  // kError/kClientError/kServerError: the text after the code (may be
  // empty). kME: everything after "ME ", i.e. "<key> <k>=<v>*".
  absl::string_view message;

  // Return flags; each is set only when the reply carried it.
  absl::string_view opaque;               // O<token>; empty when absent.
  absl::string_view key;                  // k<key>; empty when absent.
  bool key_is_base64 = false;             // b (with k).
  absl::optional<uint64_t> cas;           // c<cas>.
  absl::optional<int64_t> ttl;            // t<seconds>; -1 = no expiry.
  absl::optional<uint32_t> client_flags;  // f<flags>.
  absl::optional<uint64_t> size;          // s<bytes>.
  absl::optional<uint64_t> last_access;   // l<seconds since access>.
  absl::optional<bool> hit_before;        // h<0|1>.
  bool win = false;                       // W: caller won the recache.
  bool stale = false;                     // X: item is stale.
  bool already_won = false;               // Z: another client won.
};

// Parses one meta reply (mg/ms/md/ma/mn/me, or an error line) at the start
// of `in`. A VA block longer than `max_value_bytes` is kMalformed (checked
// before waiting for its bytes). Unknown single-letter return flags are
// ignored (servers may add flags); a flag that is not a letter, a numeric
// flag that is not a valid number, a missing "\r\n" after a data block, an
// unknown code, or a line over kMaxLineBytes is kMalformed. On kComplete
// `*out` is overwritten; otherwise it is unspecified.
ParseResult ParseMetaReply(absl::string_view in, size_t max_value_bytes,
                           MetaReply* out);

// One reply item of the classic (non-meta) protocol: get/gets, stats,
// version, flush_all, auth.
enum class TextReplyKind {
  kValue,        // "VALUE <key> <flags> <bytes> [<cas>]" + data block.
  kEnd,          // "END": ends get/gets, stats and metadump output.
  kStat,         // "STAT <name> <value>".
  kVersion,      // "VERSION <text>".
  kOk,           // "OK" (flush_all).
  kStored,       // "STORED" (the ASCII auth reply).
  kError,        // "ERROR [message]".
  kClientError,  // "CLIENT_ERROR <message>".
  kServerError,  // "SERVER_ERROR <message>".
};

// Views into the parsed buffer, as for MetaReply.
struct TextReply {
  TextReplyKind kind = TextReplyKind::kError;
  // kValue.
  absl::string_view key;
  uint32_t client_flags = 0;
  absl::optional<uint64_t> cas;  // Present for "gets".
  absl::string_view data;
  // kStat: the statistic's name; `text` holds its value.
  absl::string_view name;
  // kStat value, kVersion text, or the message of an error line.
  absl::string_view text;
};

// Parses one classic reply item at the start of `in`: callers of a multi-key
// get loop until kEnd, handling each kValue as it arrives (streaming). A
// VALUE block over `max_value_bytes` is kMalformed. A line whose first word
// is none of the kinds above is kMalformed.
ParseResult ParseTextReply(absl::string_view in, size_t max_value_bytes,
                           TextReply* out);

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

// Builds one meta command in place at the end of `*out`, with no allocation
// beyond the growth of `*out`. Keys and tokens are written as given: keys
// have passed core's rules (no whitespace/control bytes, <= 250 bytes) and
// opaque tokens are the caller's (<= kMaxOpaqueBytes, no whitespace).
//
//   MetaCommand(&buf, "mg", key).Flag('v').Flag('c').Token('O', op).End();
//   MetaCommand(&buf, "ms", key, value.size())
//       .Uint('F', flags).Int('T', WireTtl(ttl, now)).Token('M', "E")
//       .EndWithData(value);
//   MetaCommand(&buf, "ma", key).Flag('v').Uint('D', 5).Uint('N', 0).End();
//
// Exactly one End/EndWithData per MetaCommand; "ms" requires EndWithData
// with data of exactly `datalen` bytes.
class MetaCommand {
 public:
  // "<verb> <key>".
  MetaCommand(std::string* out, absl::string_view verb, absl::string_view key);
  // "<verb> <key> <datalen>" (ms).
  MetaCommand(std::string* out, absl::string_view verb, absl::string_view key,
              size_t datalen);

  MetaCommand(const MetaCommand&) = delete;
  MetaCommand& operator=(const MetaCommand&) = delete;

  // " <flag>", e.g. 'v', 'q', 'k'.
  MetaCommand& Flag(char flag);
  // " <flag><decimal>", e.g. Int('T', 30), Uint('C', cas).
  MetaCommand& Int(char flag, int64_t value);
  MetaCommand& Uint(char flag, uint64_t value);
  // " <flag><token>", e.g. Token('O', "17"), Token('M', "E").
  MetaCommand& Token(char flag, absl::string_view token);
  // Token('O', opaque), unless `opaque` is empty (an untagged request).
  MetaCommand& Opaque(absl::string_view opaque);
  // "\r\n".
  void End();
  // "\r\n<data>\r\n".
  void EndWithData(absl::string_view data);

 private:
  std::string* out_;
};

// "mn\r\n": a pipeline fence; its reply is kMN.
void AppendMetaNoop(std::string* out);

// "get <k1> <k2> ...\r\n" (or "gets" with `with_cas`). The server answers
// with one kValue per hit, then kEnd. `keys` must be non-empty.
void AppendClassicGet(std::string* out, absl::Span<const std::string> keys,
                      bool with_cas);
void AppendClassicGet(std::string* out,
                      absl::Span<const absl::string_view> keys, bool with_cas);

// "version\r\n" -> kVersion.
void AppendVersion(std::string* out);

// "stats\r\n", or "stats <group>\r\n" when `group` is non-empty -> kStat*,
// kEnd.
void AppendStats(std::string* out, absl::string_view group = "");

// "flush_all\r\n" or "flush_all <delay>\r\n" -> kOk, the delay as
// WireFlushDelay gives it.
void AppendFlushAll(std::string* out, absl::Duration delay, absl::Time now);

// The ASCII authentication request (server started with -Y): a fake "set"
// whose data is "<user> <password>". Replies: kStored on success,
// kClientError otherwise.
void AppendAuth(std::string* out, absl::string_view user,
                absl::string_view password);

// "lru_crawler metadump all\r\n"; parse its output with ParseMetadumpLine
// (metadump.h). Must be the only request in flight on its connection: the
// server refuses a metadump pipelined behind other commands.
void AppendMetadumpAll(std::string* out);

// The ticks of memcached's clock added to a relative exptime so that an
// item never dies before its TTL has passed. memcached's clock
// (current_time) is whole seconds of CLOCK_MONOTONIC, sampled by a timer on
// its main thread that is re-armed for 1s each time it fires, so it fires
// late by the event loop's wake-up latency (about 1ms a tick idle, more
// when the host is busy) and its phase creeps forward. A relative exptime
// E is added to current_time as last sampled, up to a second stale; the
// item dies at the first tick that samples current_time >= that. When a
// tick fires late across a whole second of the monotonic clock (every
// ~1000 ticks idle, any tick that is late enough), current_time advances
// by 2 at once, and an item stored just before that tick dies E - 2
// seconds after the Set, not E - 1 (seen: an exptime of 2 gone 211ms
// after the Set; see integration/memcached/limits_test.cc). Hence two
// ticks: an item lives at least ceil(ttl) >= ttl seconds, unless a single
// tick is a whole second late, and at most about ceil(ttl) + 2 seconds.
inline constexpr int64_t kRelativeTtlTicks = 2;

// The exptime to put on the wire for `ttl` (T and N flags): 0 for "never
// expires" (ttl <= 0 or infinite); otherwise the whole seconds rounded up
// plus kRelativeTtlTicks. Above 30 days memcached reads the number as a
// unix time, so then it is `now + ttl` in unix seconds rounded up, plus
// one: memcached compares it with its start time plus current_time, which
// is never ahead of the unix time by a second or more, however late its
// ticks (its start time is rounded down to a second, its seconds start at
// another phase than ours). A unix time must fit a signed 32-bit field
// (until 2038-01-19): core's kMaxTtl keeps it there until 2037-01-19.
int64_t WireTtl(absl::Duration ttl, absl::Time now);

// The delay of "flush_all <delay>": 0 for now; otherwise as WireTtl but
// plus one more second, relative or absolute, since memcached starts
// invalidating at the second before the one it is given (oldest_live =
// delay - 1): the flush then takes effect after `delay`, never before.
int64_t WireFlushDelay(absl::Duration delay, absl::Time now);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_PROTOCOL_H_
