#ifndef KIVI_CODECS_COMPRESSED_H_
#define KIVI_CODECS_COMPRESSED_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/codec.h"

namespace kivi {

// How Compressed<Inner> decides and bounds compression.
struct CompressionOptions {
  // Encodings of at least this many bytes are compressed; shorter ones are
  // stored as they are, where compression saves little and costs time.
  size_t threshold = 1024;
  // zstd compression level (1 fastest .. 19 smallest; zstd's default is 3).
  int level = 3;
  // The largest encoding Compressed accepts to write or to decompress. A
  // stored value that claims a larger size is DataLoss without allocating
  // it, so a hostile or corrupt value cannot exhaust memory.
  size_t max_decoded_bytes = size_t{64} << 20;
};

namespace codec_internal {

// Frames `encoded` for storage: a header byte (0: raw, 1: zstd)
// then the bytes as they are or zstd-compressed. Compresses only when
// `encoded` reaches the threshold and compression makes it smaller.
// InvalidArgument naming `codec` when `encoded` exceeds max_decoded_bytes.
absl::StatusOr<std::string> CompressFrame(absl::string_view encoded,
                                          const CompressionOptions& options,
                                          absl::string_view codec);

// Reverses CompressFrame. DataLoss naming `codec` for an unknown header, a
// corrupt or truncated zstd frame, a frame without a recorded size, or one
// larger than max_decoded_bytes.
absl::StatusOr<std::string> DecompressFrame(absl::string_view stored,
                                            const CompressionOptions& options,
                                            absl::string_view codec);

}  // namespace codec_internal

// Wraps a codec so that large encodings are stored zstd-compressed:
//   Typed<Report, Compressed<JsonCodec<Report>>> reports(kv);
//
// The stored form describes itself: one header byte (0: the inner encoding
// follows as is; 1: a zstd frame of it follows), so values written with any
// threshold decode, and changing the threshold needs no migration. Values
// written by the bare inner codec do not decode (the header is missing):
// switching an existing key space to Compressed needs a new key prefix.
//
// Encode fails as the inner codec does, or with InvalidArgument when the
// encoding exceeds max_decoded_bytes. Decode fails with DataLoss naming this
// codec for a bad frame, or as the inner codec does for the bytes inside.
template <typename Inner>
requires Codec<Inner, typename Inner::value_type>
class Compressed {
 public:
  using value_type = typename Inner::value_type;

  explicit Compressed(CompressionOptions options = {}, Inner inner = Inner())
      : options_(options),
        inner_(std::move(inner)),
        name_(absl::StrCat("zstd(", CodecName(inner_), ")")) {}

  // "zstd(<inner>)", e.g. "zstd(json)".
  absl::string_view name() const { return name_; }
  const CompressionOptions& options() const { return options_; }

  absl::StatusOr<std::string> Encode(const value_type& value) const {
    absl::StatusOr<std::string> encoded = EncodeWith(inner_, value);
    if (!encoded.ok()) return encoded.status();
    return codec_internal::CompressFrame(*encoded, options_, name_);
  }

  absl::StatusOr<value_type> Decode(absl::string_view bytes) const {
    absl::StatusOr<std::string> encoded =
        codec_internal::DecompressFrame(bytes, options_, name_);
    if (!encoded.ok()) return encoded.status();
    return inner_.Decode(*encoded);
  }

 private:
  CompressionOptions options_;
  Inner inner_;
  std::string name_;
};

}  // namespace kivi

#endif  // KIVI_CODECS_COMPRESSED_H_
