#ifndef KIVI_BACKENDS_MEMCACHED_SRC_METADUMP_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_METADUMP_H_

// Decodes the output of "lru_crawler metadump all" (see AppendMetadumpAll in
// protocol.h). Pure functions over bytes; safe to call from any thread.
//
// The server writes one line per live item, "key=<url-encoded> exp=<unix
// time or -1> la=<unix time> cas=<n> fetch=<yes|no> cls=<n> size=<n>\n"
// (item lines end in a bare "\n"), then "END\r\n". It already skips expired
// and flushed items.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "src/protocol.h"

namespace kivi::memcached {

struct MetadumpItem {
  std::string key;                     // Decoded.
  absl::optional<absl::Time> expires;  // Absent: never expires (exp=-1).
};

enum class MetadumpLineKind {
  kItem,      // `item` is set.
  kEnd,       // "END": the dump is complete.
  kDisabled,  // The server cannot dump: started with -X ("ERROR metadump not
              // allowed"), without the crawler ("CLIENT_ERROR lru crawler
              // disabled"), or too old to know the command ("ERROR").
              // Report FailedPrecondition naming the server.
  kBusy,      // "BUSY ...": another crawl is running; retry later.
  kError,     // Any other ERROR/CLIENT_ERROR/SERVER_ERROR line, e.g. "ERROR
              // cannot pipeline other commands before metadump".
};

struct MetadumpLine {
  MetadumpLineKind kind = MetadumpLineKind::kEnd;
  MetadumpItem item;          // kItem only.
  absl::string_view message;  // The server's line, for the non-item kinds;
                              // points into the parsed buffer.
};

// Parses one line of metadump output at the start of `in` (terminated by
// "\n" or "\r\n"). kIncomplete until the terminator arrives; kMalformed for a
// line over kMaxLineBytes, an item line without a valid key= and exp=
// field, a field without "=", or a bad %XX escape (strict: two hex digits).
// Other fields (la, cas, fetch, cls, size, and any a server adds) are
// ignored. On kComplete `*out` is overwritten.
ParseResult ParseMetadumpLine(absl::string_view in, MetadumpLine* out);

// Decodes memcached's URI encoding of a key: "%XX" (two hex digits) is one
// byte, any other byte stands for itself. InvalidArgument for a "%" not
// followed by two hex digits.
absl::StatusOr<std::string> UrlDecodeKey(absl::string_view encoded);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_METADUMP_H_
