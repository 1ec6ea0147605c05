#include "kivi/url.h"

#include <cctype>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kivi {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes, and '+' as space (form encoding) when
// `plus_is_space`.
absl::StatusOr<std::string> Unescape(absl::string_view in,
                                     bool plus_is_space = true) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (in[i] != '%') {
      out.push_back(in[i]);
    } else {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed percent-escape in \"", in, "\""));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

bool IsSchemeChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' ||
         c == '-' || c == '.';
}

}  // namespace

absl::StatusOr<BackendUrl> BackendUrl::Parse(absl::string_view url) {
  size_t sep = url.find("://");
  if (sep == absl::string_view::npos || sep == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backend URL \"", url, "\" has no scheme (expected scheme://...)"));
  }
  BackendUrl out;
  for (char c : url.substr(0, sep)) {
    if (!IsSchemeChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("backend URL \"", url, "\" has a malformed scheme"));
    }
  }
  out.scheme = absl::AsciiStrToLower(url.substr(0, sep));
  absl::string_view rest = url.substr(sep + 3);

  absl::string_view query;
  if (size_t q = rest.find('?'); q != absl::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    out.path = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  out.authority = std::string(rest);

  if (query.empty()) return out;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    absl::string_view name = pair;
    absl::string_view value;
    if (size_t eq = pair.find('='); eq != absl::string_view::npos) {
      name = pair.substr(0, eq);
      value = pair.substr(eq + 1);
    }
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backend URL \"", url, "\" has a parameter with an empty name"));
    }
    absl::StatusOr<std::string> decoded_name = Unescape(name);
    if (!decoded_name.ok()) return decoded_name.status();
    absl::StatusOr<std::string> decoded_value = Unescape(value);
    if (!decoded_value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter \"", *decoded_name,
                       "\": ", decoded_value.status().message()));
    }
    if (!out.params.emplace(*decoded_name, *decoded_value).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter \"", *decoded_name, "\" is given more than once"));
    }
  }
  return out;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view text) {
  return Unescape(text, /*plus_is_space=*/false);
}

absl::StatusOr<uint64_t> ParseBytes(absl::string_view text) {
  absl::string_view digits = text;
  size_t n = 0;
  while (n < digits.size() && absl::ascii_isdigit(digits[n])) ++n;
  absl::string_view unit = digits.substr(n);
  digits = digits.substr(0, n);
  uint64_t number = 0;
  if (digits.empty() || !absl::SimpleAtoi(digits, &number)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a byte count"));
  }
  struct Unit {
    absl::string_view name;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},
      {"B", 1},
      {"K", uint64_t{1} << 10},
      {"KiB", uint64_t{1} << 10},
      {"KB", 1000},
      {"M", uint64_t{1} << 20},
      {"MiB", uint64_t{1} << 20},
      {"MB", 1000 * 1000},
      {"G", uint64_t{1} << 30},
      {"GiB", uint64_t{1} << 30},
      {"GB", 1000 * 1000 * 1000},
  };
  for (const Unit& u : kUnits) {
    if (unit != u.name) continue;
    if (number > std::numeric_limits<uint64_t>::max() / u.factor) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\" is too large"));
    }
    return number * u.factor;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text, "\" has an unknown unit (use B, KiB, MiB, GiB, KB, MB, GB)"));
}

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  absl::Duration d;
  // absl::ParseDuration accepts "0" and unit-suffixed numbers ("250ms").
  if (text.empty() || !absl::ParseDuration(text, &d) ||
      d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a duration (e.g. 250ms, 1.5s, 2h)"));
  }
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is negative"));
  }
  return d;
}

ParamReader::ParamReader(const BackendUrl& url) : url_(url) {}

const std::string* ParamReader::Take(absl::string_view name) {
  auto it = url_.params.find(name);
  if (it == url_.params.end()) return nullptr;
  read_.insert(std::string(name));
  return &it->second;
}

bool ParamReader::Has(absl::string_view name) const {
  return url_.params.contains(name);
}

void ParamReader::Fail(absl::string_view name, absl::string_view value,
                       absl::string_view expected) {
  if (!error_.ok()) return;
  error_ = absl::InvalidArgumentError(absl::StrCat("parameter \"", name,
                                                   "\" has malformed value \"",
                                                   value, "\": ", expected));
}

void ParamReader::String(absl::string_view name, std::string* out) {
  if (const std::string* v = Take(name)) *out = *v;
}

void ParamReader::Bool(absl::string_view name, bool* out) {
  const std::string* v = Take(name);
  if (v == nullptr) return;
  std::string lower = absl::AsciiStrToLower(*v);
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") {
    *out = true;
  } else if (lower == "0" || lower == "false" || lower == "no" ||
             lower == "off") {
    *out = false;
  } else {
    Fail(name, *v, "expected true/false, 1/0, yes/no or on/off");
  }
}

void ParamReader::Int(absl::string_view name, int64_t* out, int64_t min,
                      int64_t max) {
  const std::string* v = Take(name);
  if (v == nullptr) return;
  int64_t parsed;
  if (!absl::SimpleAtoi(*v, &parsed) || v->empty() ||
      absl::ascii_isspace(static_cast<unsigned char>(v->front())) ||
      absl::ascii_isspace(static_cast<unsigned char>(v->back()))) {
    Fail(name, *v, "expected an integer");
  } else if (parsed < min || parsed > max) {
    Fail(name, *v,
         absl::StrCat("expected an integer in [", min, ", ", max, "]"));
  } else {
    *out = parsed;
  }
}

void ParamReader::Int(absl::string_view name, int* out, int min, int max) {
  int64_t wide = *out;
  Int(name, &wide, min, max);
  *out = static_cast<int>(wide);
}

void ParamReader::Duration(absl::string_view name, absl::Duration* out) {
  const std::string* v = Take(name);
  if (v == nullptr) return;
  absl::StatusOr<absl::Duration> d = ParseDuration(*v);
  if (d.ok()) {
    *out = *d;
  } else {
    Fail(name, *v, "expected a non-negative duration such as 250ms or 2s");
  }
}

void ParamReader::Bytes(absl::string_view name, uint64_t* out) {
  const std::string* v = Take(name);
  if (v == nullptr) return;
  absl::StatusOr<uint64_t> b = ParseBytes(*v);
  if (b.ok()) {
    *out = *b;
  } else {
    Fail(name, *v, "expected a byte count such as 1048576, 64KiB or 64MiB");
  }
}

absl::Status ParamReader::Finish() const {
  if (!error_.ok()) return error_;
  for (const auto& [name, value] : url_.params) {
    if (!read_.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown parameter \"", name, "\" for ", url_.scheme, "://"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kivi
