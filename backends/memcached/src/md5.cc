#include "src/md5.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kivi::memcached {
namespace {

// floor(2^32 * |sin(i + 1)|), the additive constant of step i.
constexpr uint32_t kSine[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
    0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
    0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
    0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
    0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
    0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
    0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
    0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

// Left-rotation amounts, four per round.
constexpr int kShift[4][4] = {
    {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

uint32_t RotateLeft(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

uint32_t LoadLittleEndian(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void StoreLittleEndian(uint32_t v, unsigned char* p) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
  p[2] = static_cast<unsigned char>(v >> 16);
  p[3] = static_cast<unsigned char>(v >> 24);
}

// One round of 16 steps: step i mixes message word (first + stride * i)
// mod 16. Fully unrolled, so that the word indices, shifts and constants
// are immediates (a rolled loop costs about four times the instructions).
template <typename Mix>
inline void Round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d,
                  const uint32_t m[16], int round, int first, int stride,
                  Mix mix) {
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    const uint32_t sum =
        mix(b, c, d) + a + kSine[16 * round + i] + m[(first + stride * i) % 16];
    a = d;
    d = c;
    c = b;
    b = b + RotateLeft(sum, kShift[round][i % 4]);
  }
}

// Folds one 64-byte block into `state`.
void Compress(uint32_t state[4], const unsigned char* block) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = LoadLittleEndian(block + 4 * i);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  Round(a, b, c, d, m, 0, 0, 1,
        [](uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (~x & z); });
  Round(a, b, c, d, m, 1, 1, 5,
        [](uint32_t x, uint32_t y, uint32_t z) { return (z & x) | (~z & y); });
  Round(a, b, c, d, m, 2, 5, 3,
        [](uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; });
  Round(a, b, c, d, m, 3, 0, 7,
        [](uint32_t x, uint32_t y, uint32_t z) { return y ^ (x | ~z); });
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

}  // namespace

Md5Digest Md5(absl::string_view data) {
  uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t size = data.size();
  const uint64_t bit_length = static_cast<uint64_t>(size) * 8;
  for (; size >= 64; bytes += 64, size -= 64) Compress(state, bytes);

  // The tail, a 0x80 byte, zeros, and the bit length: one or two blocks.
  unsigned char tail[128] = {};
  if (size > 0) std::memcpy(tail, bytes, size);
  tail[size] = 0x80;
  const size_t tail_size = size < 56 ? 64 : 128;
  for (int i = 0; i < 8; ++i) {
    tail[tail_size - 8 + i] = static_cast<unsigned char>(bit_length >> (8 * i));
  }
  Compress(state, tail);
  if (tail_size == 128) Compress(state, tail + 64);

  Md5Digest digest;
  for (int i = 0; i < 4; ++i)
    StoreLittleEndian(state[i], digest.data() + 4 * i);
  return digest;
}

}  // namespace kivi::memcached
