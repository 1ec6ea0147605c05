#ifndef KIVI_BACKENDS_MEMCACHED_SRC_WIRE_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_WIRE_H_

// Building blocks shared by the reply parsers (protocol.cc, metadump.cc).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "src/protocol.h"

namespace kivi::memcached::wire {

ParseResult Malformed(std::string error);
ParseResult Incomplete();
ParseResult Complete(size_t consumed);

// Takes one line from the start of `in`. Lines end in "\r\n", or also in a
// bare "\n" when `bare_newline_ok`. On kComplete, `*line` excludes the
// terminator and `consumed` includes it. kMalformed when the line holds a
// control byte or is longer than kMaxLineBytes; kIncomplete (consumed 0)
// while no terminator has arrived within that bound.
ParseResult TakeLine(absl::string_view in, bool bare_newline_ok,
                     absl::string_view* line);

// Strict decimal parsers: digits only (ParseInt also accepts one leading
// '-'), no sign '+', no spaces, no overflow; false otherwise.
bool ParseUint(absl::string_view text, uint64_t* out);
bool ParseInt(absl::string_view text, int64_t* out);

// `text` escaped and quoted for an error message, cut to a short prefix.
std::string Quote(absl::string_view text);

}  // namespace kivi::memcached::wire

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_WIRE_H_
