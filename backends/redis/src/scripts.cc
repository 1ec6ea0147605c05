#include "backends/redis/src/scripts.h"

#include <openssl/sha.h>

#include <array>
#include <string>

#include "absl/strings/escaping.h"
#include "backends/redis/src/resp.h"

namespace kivi::redis {
namespace {

// Unsigned 64-bit arithmetic on decimal strings: Lua 5.1 numbers are
// doubles, exact only to 2^53.
constexpr absl::string_view kIncrement = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then
  if ARGV[4] ~= '1' then return false end
  if ARGV[5] == '0' then
    redis.call('SET', KEYS[1], ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[5])
  end
  return ARGV[3]
end
local function not_a_number()
  return redis.error_reply('KIVI_NOT_A_NUMBER the value is no unsigned 64-bit decimal number')
end
-- Read as memcached reads a counter (strtoull, then its checks): leading
-- white space, a sign, digits, then the end, white space or a NUL.
local p = string.match(v, '^[\t\n\v\f\r ]*()')
local sign = string.sub(v, p, p)
if sign == '+' or sign == '-' then p = p + 1 end
local digits = string.match(v, '^%d+', p)
if digits == nil then return not_a_number() end
local after = string.sub(v, p + #digits, p + #digits)
if after ~= '' and string.find(after, '^[\t\n\v\f\r %z]') == nil then
  return not_a_number()
end
local function strip(a)
  local s = string.gsub(a, '^0+', '')
  if s == '' then return '0' end
  return s
end
local function less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function add(a, b)
  local out, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local s = carry
    if i > 0 then s = s + string.byte(a, i) - 48; i = i - 1 end
    if j > 0 then s = s + string.byte(b, j) - 48; j = j - 1 end
    out[#out + 1] = string.char(48 + s % 10)
    carry = math.floor(s / 10)
  end
  return strip(string.reverse(table.concat(out)))
end
local function sub(a, b)
  local out, borrow, i, j = {}, 0, #a, #b
  while i > 0 do
    local s = string.byte(a, i) - 48 - borrow
    if j > 0 then s = s - (string.byte(b, j) - 48); j = j - 1 end
    if s < 0 then s = s + 10; borrow = 1 else borrow = 0 end
    out[#out + 1] = string.char(48 + s)
    i = i - 1
  end
  return strip(string.reverse(table.concat(out)))
end
local limit = '18446744073709551616'
local cur = strip(digits)
if not less(cur, limit) then return not_a_number() end
if sign == '-' and cur ~= '0' then
  -- strtoull negates modulo 2^64; memcached refuses what is then >= 2^63.
  cur = sub(limit, cur)
  if not less(cur, '9223372036854775808') then return not_a_number() end
end
local r
if ARGV[2] == '+' then
  r = add(cur, ARGV[1])
  if not less(r, limit) then r = sub(r, limit) end
elseif less(cur, ARGV[1]) then
  r = '0'
else
  r = sub(cur, ARGV[1])
end
redis.call('SET', KEYS[1], r, 'KEEPTTL')
return r
)lua";

constexpr absl::string_view kGetVersioned = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, string.sub(redis.sha1hex(v), 1, 16)}
)lua";

constexpr absl::string_view kCompareAndSet = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if string.sub(redis.sha1hex(v), 1, 16) ~= ARGV[1] then return 1 end
if ARGV[3] == '0' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 2
)lua";

constexpr absl::string_view kConcatenate = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('STRLEN', KEYS[1])
if n + #ARGV[1] > tonumber(ARGV[3]) then return 1 end
if ARGV[2] == 'a' then
  redis.call('APPEND', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1] .. redis.call('GET', KEYS[1]), 'KEEPTTL')
end
return 2
)lua";

constexpr absl::string_view kTouch = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '0' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
)lua";

constexpr std::array<absl::string_view, 5> kSources = {
    kIncrement, kGetVersioned, kCompareAndSet, kConcatenate, kTouch};

std::string Sha1Hex(absl::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
       digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace

const std::string& ScriptSha1(ScriptId id) {
  static const std::array<std::string, 5>* const digests = [] {
    auto* d = new std::array<std::string, 5>;
    for (size_t i = 0; i < kSources.size(); ++i) (*d)[i] = Sha1Hex(kSources[i]);
    return d;
  }();
  return (*digests)[static_cast<size_t>(id)];
}

void AppendScriptCall(std::string* out, ScriptId id, absl::string_view key,
                      absl::Span<const absl::string_view> args, bool full) {
  AppendArrayHeader(out, 4 + args.size());
  AppendBulk(out, full ? "EVAL" : "EVALSHA");
  AppendBulk(out, full ? kSources[static_cast<size_t>(id)] : ScriptSha1(id));
  AppendBulk(out, "1");
  AppendBulk(out, key);
  for (const absl::string_view arg : args) AppendBulk(out, arg);
}

}  // namespace kivi::redis
