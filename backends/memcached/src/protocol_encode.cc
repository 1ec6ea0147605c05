// Request encoders of protocol.h.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "src/protocol.h"

namespace kivi::memcached {
namespace {

// Request encoding is on every call's path; plain appends and to_chars cost
// a fraction of StrAppend's piece-by-piece formatting.
template <typename Int>
void AppendDecimal(std::string* out, Int value) {
  char digits[24];
  const std::to_chars_result end =
      std::to_chars(digits, digits + sizeof(digits), value);
  out->append(digits, end.ptr);
}

void AppendWord(std::string* out, absl::string_view word) {
  out->push_back(' ');
  out->append(word.data(), word.size());
}

}  // namespace

MetaCommand::MetaCommand(std::string* out, absl::string_view verb,
                         absl::string_view key)
    : out_(out) {
  out_->append(verb.data(), verb.size());
  AppendWord(out_, key);
}

MetaCommand::MetaCommand(std::string* out, absl::string_view verb,
                         absl::string_view key, size_t datalen)
    : MetaCommand(out, verb, key) {
  out_->push_back(' ');
  AppendDecimal(out_, datalen);
}

MetaCommand& MetaCommand::Flag(char flag) {
  const char text[2] = {' ', flag};
  out_->append(text, 2);
  return *this;
}

MetaCommand& MetaCommand::Int(char flag, int64_t value) {
  Flag(flag);
  AppendDecimal(out_, value);
  return *this;
}

MetaCommand& MetaCommand::Uint(char flag, uint64_t value) {
  Flag(flag);
  AppendDecimal(out_, value);
  return *this;
}

MetaCommand& MetaCommand::Token(char flag, absl::string_view token) {
  Flag(flag);
  out_->append(token.data(), token.size());
  return *this;
}

MetaCommand& MetaCommand::Opaque(absl::string_view opaque) {
  return opaque.empty() ? *this : Token('O', opaque);
}

void MetaCommand::End() { out_->append("\r\n"); }

void MetaCommand::EndWithData(absl::string_view data) {
  out_->reserve(out_->size() + data.size() + 4);
  out_->append("\r\n");
  out_->append(data.data(), data.size());
  out_->append("\r\n");
}

void AppendMetaNoop(std::string* out) { out->append("mn\r\n"); }

namespace {

template <typename Key>
void AppendClassicGetImpl(std::string* out, absl::Span<const Key> keys,
                          bool with_cas) {
  out->append(with_cas ? "gets" : "get");
  for (const Key& key : keys) AppendWord(out, key);
  out->append("\r\n");
}

}  // namespace

void AppendClassicGet(std::string* out, absl::Span<const std::string> keys,
                      bool with_cas) {
  AppendClassicGetImpl(out, keys, with_cas);
}

void AppendClassicGet(std::string* out,
                      absl::Span<const absl::string_view> keys, bool with_cas) {
  AppendClassicGetImpl(out, keys, with_cas);
}

void AppendVersion(std::string* out) { out->append("version\r\n"); }

void AppendStats(std::string* out, absl::string_view group) {
  out->append("stats");
  if (!group.empty()) absl::StrAppend(out, " ", group);
  out->append("\r\n");
}

void AppendFlushAll(std::string* out, absl::Duration delay, absl::Time now) {
  const int64_t wire = WireFlushDelay(delay, now);
  if (wire == 0) {
    out->append("flush_all\r\n");
  } else {
    absl::StrAppend(out, "flush_all ", wire, "\r\n");
  }
}

void AppendAuth(std::string* out, absl::string_view user,
                absl::string_view password) {
  absl::StrAppend(out, "set kivi_auth 0 0 ", user.size() + 1 + password.size(),
                  "\r\n", user, " ", password, "\r\n");
}

void AppendMetadumpAll(std::string* out) {
  out->append("lru_crawler metadump all\r\n");
}

namespace {

// `d` as memcached's exptime: whole seconds rounded up plus
// `relative_ticks` of its one-second clock; above 30 days memcached reads
// the number as a unix time, so then the unix time `now + d`, rounded up,
// plus `absolute_ticks`.
int64_t WireSeconds(absl::Duration d, absl::Time now, int64_t relative_ticks,
                    int64_t absolute_ticks) {
  constexpr int64_t kMaxRelativeSeconds = 60 * 60 * 24 * 30;
  const int64_t seconds =
      absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1))) + relative_ticks;
  if (seconds <= kMaxRelativeSeconds) return seconds;
  const absl::Time deadline = now + d;
  int64_t unix_seconds = absl::ToUnixSeconds(deadline);
  if (absl::FromUnixSeconds(unix_seconds) < deadline) ++unix_seconds;
  return unix_seconds + absolute_ticks;
}

}  // namespace

int64_t WireTtl(absl::Duration ttl, absl::Time now) {
  if (ttl <= absl::ZeroDuration() || ttl == absl::InfiniteDuration()) {
    return 0;
  }
  return WireSeconds(ttl, now, kRelativeTtlTicks, 1);
}

int64_t WireFlushDelay(absl::Duration delay, absl::Time now) {
  if (delay <= absl::ZeroDuration()) return 0;
  return WireSeconds(delay, now, kRelativeTtlTicks + 1, 2);
}

}  // namespace kivi::memcached
