#include "kivi/codecs/compressed.h"

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/codecs/json.h"
#include "kivi/codecs/raw.h"
#include "zstd.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

std::string Compressible(size_t size) {
  std::string text;
  while (text.size() < size) {
    absl::StrAppend(&text, "the quick brown fox ", text.size() % 7, "; ");
  }
  text.resize(size);
  return text;
}

std::string Incompressible(size_t size) {
  std::mt19937_64 rng(1);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

// A raw zstd frame of `content`, with or without its size in the header.
std::string ZstdFrame(const std::string& content, bool record_size) {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, record_size ? 1 : 0);
  std::string frame(ZSTD_compressBound(content.size()), '\0');
  size_t size;
  if (record_size) {
    size = ZSTD_compress2(ctx, frame.data(), frame.size(), content.data(),
                          content.size());
  } else {
    // Streaming without a pledged size leaves the content size unknown.
    ZSTD_inBuffer in{content.data(), content.size(), 0};
    ZSTD_outBuffer out{frame.data(), frame.size(), 0};
    ZSTD_compressStream2(ctx, &out, &in, ZSTD_e_end);
    size = out.pos;
  }
  ZSTD_freeCCtx(ctx);
  frame.resize(size);
  return frame;
}

void ExpectDataLoss(const absl::StatusOr<std::string>& decoded,
                    absl::string_view why) {
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr("zstd(raw) codec: "));
  EXPECT_THAT(decoded.status().message(), HasSubstr(why));
}

TEST(Compressed, StoresSmallValuesUncompressedBehindAHeader) {
  Compressed<RawCodec> codec({.threshold = 64});
  absl::StatusOr<std::string> stored = codec.Encode("short");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, std::string("\0short", 6));
  absl::StatusOr<std::string> decoded = codec.Decode(*stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, "short");
}

TEST(Compressed, CompressesValuesAtTheThreshold) {
  Compressed<RawCodec> codec({.threshold = 4096});
  const std::string big = Compressible(4096);
  absl::StatusOr<std::string> stored = codec.Encode(big);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ((*stored)[0], '\1');
  EXPECT_LT(stored->size(), big.size() / 4);
  absl::StatusOr<std::string> decoded = codec.Decode(*stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, big);

  absl::StatusOr<std::string> below = codec.Encode(Compressible(4095));
  ASSERT_TRUE(below.ok()) << below.status();
  EXPECT_EQ((*below)[0], '\0');
}

TEST(Compressed, KeepsIncompressibleValuesRaw) {
  Compressed<RawCodec> codec({.threshold = 16});
  const std::string noise = Incompressible(10000);
  absl::StatusOr<std::string> stored = codec.Encode(noise);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ((*stored)[0], '\0');
  EXPECT_EQ(stored->size(), noise.size() + 1);
  absl::StatusOr<std::string> decoded = codec.Decode(*stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, noise);
}

TEST(Compressed, DecodesValuesWrittenWithAnyThreshold) {
  const std::string text = Compressible(2000);
  absl::StatusOr<std::string> compressed =
      Compressed<RawCodec>({.threshold = 1}).Encode(text);
  absl::StatusOr<std::string> raw =
      Compressed<RawCodec>({.threshold = 1 << 20}).Encode(text);
  ASSERT_TRUE(compressed.ok() && raw.ok());
  Compressed<RawCodec> reader({.threshold = 100});
  EXPECT_EQ(reader.Decode(*compressed).value_or(""), text);
  EXPECT_EQ(reader.Decode(*raw).value_or(""), text);
}

TEST(Compressed, WrapsTheInnerCodec) {
  Compressed<JsonCodec<std::vector<int>>> codec({.threshold = 10});
  const std::vector<int> numbers(1000, 7);
  absl::StatusOr<std::string> stored = codec.Encode(numbers);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ((*stored)[0], '\1');
  absl::StatusOr<std::vector<int>> decoded = codec.Decode(*stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, numbers);
}

TEST(Compressed, InnerDecodeErrorsPassThrough) {
  Compressed<JsonCodec<std::vector<int>>> codec;
  absl::StatusOr<std::vector<int>> decoded =
      codec.Decode(std::string("\0[1,", 4));
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr("json codec: "));
}

TEST(Compressed, EmptyStoredValueIsDataLoss) {
  ExpectDataLoss(Compressed<RawCodec>().Decode(""), "no header byte");
}

TEST(Compressed, UnknownHeaderIsDataLoss) {
  ExpectDataLoss(Compressed<RawCodec>().Decode("\x07"
                                               "abc"),
                 "unknown header byte 7");
}

TEST(Compressed, CorruptFrameIsDataLoss) {
  Compressed<RawCodec> codec({.threshold = 1});
  std::string stored = *codec.Encode(Compressible(5000));
  ASSERT_EQ(stored[0], '\1');
  // Flip bytes in the compressed block, past the frame header.
  for (size_t i = stored.size() / 2; i < stored.size() / 2 + 8; ++i) {
    stored[i] = static_cast<char>(stored[i] ^ 0x5a);
  }
  absl::StatusOr<std::string> decoded = codec.Decode(stored);
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr("zstd(raw) codec: "));
}

TEST(Compressed, TruncatedFrameIsDataLoss) {
  Compressed<RawCodec> codec({.threshold = 1});
  std::string stored = *codec.Encode(Compressible(5000));
  stored.resize(stored.size() - 3);
  ExpectDataLoss(codec.Decode(stored), "truncated zstd frame");
}

TEST(Compressed, GarbageAfterTheFrameIsDataLoss) {
  Compressed<RawCodec> codec({.threshold = 1});
  std::string stored = *codec.Encode(Compressible(5000));
  stored += "xyz";
  ExpectDataLoss(codec.Decode(stored), "3 bytes follow the zstd frame");
}

TEST(Compressed, NotAZstdFrameIsDataLoss) {
  ExpectDataLoss(Compressed<RawCodec>().Decode("\x01not zstd at all"),
                 "not a zstd frame");
}

// A small frame that expands to far more than the bound is refused from its
// header alone, before anything of that size is allocated.
TEST(Compressed, RefusesAFrameClaimingMoreThanTheBound) {
  const std::string bomb = ZstdFrame(std::string(8 << 20, '\0'), true);
  ASSERT_LT(bomb.size(), 1024u);
  Compressed<RawCodec> codec({.max_decoded_bytes = 1 << 20});
  ExpectDataLoss(codec.Decode(std::string(1, '\1') + bomb),
                 "claims 8388608 bytes, more than max_decoded_bytes (1048576)");
}

TEST(Compressed, RefusesAFrameWithoutARecordedSize) {
  const std::string frame = ZstdFrame(std::string(100, 'a'), false);
  ExpectDataLoss(Compressed<RawCodec>().Decode(std::string(1, '\1') + frame),
                 "does not record its content size");
}

TEST(Compressed, RefusesToWriteWhatItCouldNotRead) {
  Compressed<RawCodec> codec({.threshold = 1, .max_decoded_bytes = 100});
  absl::StatusOr<std::string> stored = codec.Encode(std::string(101, 'a'));
  ASSERT_FALSE(stored.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(stored.status())) << stored.status();
  EXPECT_THAT(stored.status().message(), HasSubstr("max_decoded_bytes"));
}

}  // namespace
}  // namespace kivi
