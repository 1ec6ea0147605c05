#include "kivi/key_rules.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kivi {

std::string QuoteKey(absl::string_view key) {
  constexpr size_t kShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < key.size() && i < kShown; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  if (key.size() > kShown) out += "...";
  out += "\"";
  return out;
}

absl::Status ValidateKey(absl::string_view user_key,
                         absl::string_view full_key) {
  if (user_key.empty()) {
    return absl::InvalidArgumentError("key is empty");
  }
  if (full_key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "key %s is %d bytes with its namespace; the limit is %d",
        QuoteKey(user_key), full_key.size(), kMaxKeyBytes));
  }
  // The namespace was validated when the client was built, so only the
  // caller's part needs scanning; offsets in messages are the caller's.
  for (size_t i = 0; i < user_key.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(user_key[i]);
    // Every refused byte is at most a space or DEL: one test per byte for
    // the keys that pass, which is nearly all of them.
    if (c > ' ' && c != 0x7f) continue;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
        c == '\f') {
      return absl::InvalidArgumentError(absl::StrFormat(
          "key %s contains whitespace (byte %d)", QuoteKey(user_key), i));
    }
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrFormat("key %s contains control byte 0x%02x (byte %d)",
                          QuoteKey(user_key), c, i));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateValue(absl::string_view user_key, absl::string_view value,
                           size_t max_value_bytes) {
  if (value.size() > max_value_bytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("value for key %s is %d bytes; max_value_bytes is %d",
                        QuoteKey(user_key), value.size(), max_value_bytes));
  }
  return absl::OkStatus();
}

namespace {

// Why `d` breaks the TTL rule ("is negative (-1s)"), or empty when it
// keeps it.
std::string TtlRuleViolation(absl::Duration d) {
  if (d < absl::ZeroDuration()) {
    return absl::StrCat("is negative (", absl::FormatDuration(d), ")");
  }
  if (d > kMaxTtl) {
    return absl::StrCat("is ", absl::FormatDuration(d),
                        ", over the limit of 365 days (",
                        absl::FormatDuration(kMaxTtl),
                        "; memcached cannot represent later expiry times)");
  }
  return std::string();
}

}  // namespace

absl::Status ValidateTtl(absl::string_view user_key, absl::Duration ttl) {
  // The common case, a TTL within the rule, costs two comparisons.
  if (ttl >= absl::ZeroDuration() && ttl <= kMaxTtl) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "ttl for key ", QuoteKey(user_key), " ", TtlRuleViolation(ttl)));
}

absl::Status ValidateDelay(absl::string_view what, absl::Duration delay) {
  if (delay >= absl::ZeroDuration() && delay <= kMaxTtl) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, " ", TtlRuleViolation(delay)));
}

}  // namespace kivi
