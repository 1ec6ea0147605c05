#include "kivi/codecs/compressed.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/codec.h"
#include "zstd.h"

namespace kivi {
namespace codec_internal {
namespace {

// The first stored byte says what follows. These values are part of the
// stored format: never renumber them.
constexpr char kStoredRaw = 0;
constexpr char kStoredZstd = 1;

struct FreeCCtx {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct FreeDCtx {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

// One context per thread, reused: creating one per value costs more than
// compressing a small value.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, FreeCCtx> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> ctx(ZSTD_createDCtx());
  return ctx.get();
}

// Returns the zstd-framed form of `encoded`, or nothing when compression
// does not make it smaller (already compressed, random) or cannot run: then
// the value is better stored raw.
std::optional<std::string> TryCompress(absl::string_view encoded,
                                       const CompressionOptions& options) {
  ZSTD_CCtx* ctx = ThreadCCtx();
  if (ctx == nullptr) return std::nullopt;
  // The frame records its content size, which DecompressFrame requires
  // before it allocates, and a checksum, so corruption is DataLoss rather
  // than a wrong value.
  ZSTD_CCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, options.level);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  std::string stored(1 + ZSTD_compressBound(encoded.size()), '\0');
  stored[0] = kStoredZstd;
  const size_t size = ZSTD_compress2(ctx, stored.data() + 1, stored.size() - 1,
                                     encoded.data(), encoded.size());
  if (ZSTD_isError(size) || size >= encoded.size()) return std::nullopt;
  stored.resize(1 + size);
  return stored;
}

}  // namespace

absl::StatusOr<std::string> CompressFrame(absl::string_view encoded,
                                          const CompressionOptions& options,
                                          absl::string_view codec) {
  if (encoded.size() > options.max_decoded_bytes) {
    return CodecEncodeError(codec,
                            absl::StrCat("encoding of ", encoded.size(),
                                         " bytes exceeds max_decoded_bytes (",
                                         options.max_decoded_bytes,
                                         "); it could never be decoded"));
  }
  if (encoded.size() >= options.threshold) {
    if (std::optional<std::string> stored = TryCompress(encoded, options)) {
      return *std::move(stored);
    }
  }
  std::string stored;
  stored.reserve(1 + encoded.size());
  stored.push_back(kStoredRaw);
  stored.append(encoded.data(), encoded.size());
  return stored;
}

absl::StatusOr<std::string> DecompressFrame(absl::string_view stored,
                                            const CompressionOptions& options,
                                            absl::string_view codec) {
  if (stored.empty()) {
    return CodecDecodeError(codec, "empty value has no header byte");
  }
  const char header = stored.front();
  const absl::string_view body = stored.substr(1);
  if (header == kStoredRaw) return std::string(body);
  if (header != kStoredZstd) {
    return CodecDecodeError(
        codec, absl::StrCat("unknown header byte ",
                            static_cast<int>(static_cast<uint8_t>(header)),
                            " (0: raw, 1: zstd)"));
  }

  // Checked before allocating: the size a hostile frame claims must be
  // recorded, within bounds, and match what the frame really holds.
  const unsigned long long content_size =
      ZSTD_getFrameContentSize(body.data(), body.size());
  if (content_size == ZSTD_CONTENTSIZE_ERROR) {
    return CodecDecodeError(codec, "not a zstd frame");
  }
  if (content_size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return CodecDecodeError(codec,
                            "zstd frame does not record its content size");
  }
  if (content_size > options.max_decoded_bytes) {
    return CodecDecodeError(
        codec, absl::StrCat("zstd frame claims ", content_size,
                            " bytes, more than max_decoded_bytes (",
                            options.max_decoded_bytes, ")"));
  }
  const size_t frame_size =
      ZSTD_findFrameCompressedSize(body.data(), body.size());
  if (ZSTD_isError(frame_size)) {
    return CodecDecodeError(codec, absl::StrCat("truncated zstd frame: ",
                                                ZSTD_getErrorName(frame_size)));
  }
  if (frame_size != body.size()) {
    return CodecDecodeError(
        codec,
        absl::StrCat(body.size() - frame_size, " bytes follow the zstd frame"));
  }

  ZSTD_DCtx* ctx = ThreadDCtx();
  if (ctx == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(codec, " codec: cannot allocate a zstd context"));
  }
  std::string decoded(static_cast<size_t>(content_size), '\0');
  const size_t size = ZSTD_decompressDCtx(ctx, decoded.data(), decoded.size(),
                                          body.data(), body.size());
  if (ZSTD_isError(size)) {
    return CodecDecodeError(
        codec, absl::StrCat("corrupt zstd frame: ", ZSTD_getErrorName(size)));
  }
  if (size != decoded.size()) {
    return CodecDecodeError(
        codec, absl::StrCat("zstd frame holds ", size, " bytes but claims ",
                            decoded.size()));
  }
  return decoded;
}

}  // namespace codec_internal
}  // namespace kivi
