#ifndef KIVI_URL_H_
#define KIVI_URL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kivi {

// A backend URL split into its parts: scheme://authority/path?query.
// Percent-escapes in query values are decoded; the authority and path are
// kept as written (a backend parses its own host lists).
struct BackendUrl {
  std::string scheme;     // Lower-case, e.g. "memcached".
  std::string authority;  // e.g. "h1:11211,h2:11212*3"; may be empty.
  std::string path;       // Without the leading '/', e.g. "0" or "var/db".
  // Query parameters. A parameter given twice is InvalidArgument at Parse.
  absl::btree_map<std::string, std::string> params;

  // Parses `url`. InvalidArgument naming the problem when it has no
  // "scheme://", a malformed escape, an empty or repeated parameter name.
  static absl::StatusOr<BackendUrl> Parse(absl::string_view url);
};

// Reads typed query parameters and remembers which were read, so that a
// parameter nobody asked for is reported: unknown parameters are errors,
// never ignored. Each getter leaves `*out` unchanged when the parameter is
// absent and records an InvalidArgument naming the parameter when its value
// is malformed; Finish() returns the first such error.
//
//   ParamReader params(url);
//   params.Duration("timeout", &options.timeout);
//   params.Int("max_conns", &options.max_conns, /*min=*/1);
//   KIVI_RETURN_IF_ERROR(params.Finish());
class ParamReader {
 public:
  explicit ParamReader(const BackendUrl& url);

  // Any string.
  void String(absl::string_view name, std::string* out);
  // "1/0/true/false/yes/no/on/off".
  void Bool(absl::string_view name, bool* out);
  // A decimal integer in [min, max].
  void Int(absl::string_view name, int64_t* out, int64_t min = INT64_MIN,
           int64_t max = INT64_MAX);
  void Int(absl::string_view name, int* out, int min = INT32_MIN,
           int max = INT32_MAX);
  // A non-negative duration with unit: "250ms", "1.5s", "2h", "0".
  void Duration(absl::string_view name, absl::Duration* out);
  // A byte count: "1048576", "64KiB", "64MiB", "1GiB" (also KB/MB/GB = 1000^n,
  // K/M/G = 1024^n).
  void Bytes(absl::string_view name, uint64_t* out);
  // True if the URL has the parameter (does not mark it read).
  bool Has(absl::string_view name) const;

  // The first malformed value seen; else InvalidArgument naming the first
  // parameter that no getter read ("unknown parameter \"x\" for scheme
  // memcached://"); else OK.
  absl::Status Finish() const;

 private:
  const std::string* Take(absl::string_view name);
  void Fail(absl::string_view name, absl::string_view value,
            absl::string_view expected);

  const BackendUrl& url_;
  absl::btree_set<std::string> read_;
  absl::Status error_;
};

// Decodes the %XX escapes of a URL part such as its user info ('+' stays
// '+'). InvalidArgument for a malformed escape.
absl::StatusOr<std::string> PercentDecode(absl::string_view text);
// Parses a byte count as ParamReader::Bytes does.
absl::StatusOr<uint64_t> ParseBytes(absl::string_view text);
// Parses a duration as ParamReader::Duration does.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

}  // namespace kivi

#endif  // KIVI_URL_H_
