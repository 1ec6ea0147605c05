// The number checks of JsonCodec::Decode (json.h).

#include "kivi/codecs/json.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/codec.h"
#include "nlohmann/json.hpp"

namespace kivi::codec_internal {
namespace {

using Json = nlohmann::json;

// Calls `leaf(a, b, path)` for every place where both `a` and `b` hold a
// number, walking objects by key and arrays by index; `path` is the place as
// a JSON pointer. Stops at the first non-OK status.
template <typename A, typename Leaf>
absl::Status WalkNumbers(A& a, const Json& b, std::string& path,
                         const Leaf& leaf) {
  const size_t length = path.size();
  if (a.is_object() && b.is_object()) {
    for (auto&& item : a.items()) {
      const auto other = b.find(item.key());
      if (other == b.end()) continue;
      absl::StrAppend(&path, "/", item.key());
      absl::Status s = WalkNumbers(item.value(), *other, path, leaf);
      path.resize(length);
      if (!s.ok()) return s;
    }
  } else if (a.is_array() && b.is_array()) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      absl::StrAppend(&path, "/", i);
      absl::Status s = WalkNumbers(a[i], b[i], path, leaf);
      path.resize(length);
      if (!s.ok()) return s;
    }
  } else if (a.is_number() && b.is_number()) {
    return leaf(a, b, path.empty() ? std::string("/") : path);
  }
  return absl::OkStatus();
}

absl::Status DoesNotFit(absl::string_view codec, const Json& number,
                        const std::string& path, absl::string_view why) {
  return CodecDecodeError(codec,
                          absl::StrCat("number ", number.dump(), " at ", path,
                                       " does not fit its field", why));
}

bool SameInteger(const Json& a, const Json& b) {
  const bool a_negative = !a.is_number_unsigned() && a.get<int64_t>() < 0;
  const bool b_negative = !b.is_number_unsigned() && b.get<int64_t>() < 0;
  if (a_negative != b_negative) return false;
  if (a_negative) return a.get<int64_t>() == b.get<int64_t>();
  return a.get<uint64_t>() == b.get<uint64_t>();
}

}  // namespace

bool HasFloat(const Json& json) {
  if (json.is_number_float()) return true;
  if (!json.is_structured()) return false;
  for (const Json& element : json) {
    if (HasFloat(element)) return true;
  }
  return false;
}

void MakeFloatsFitAnyField(Json& json) {
  if (json.is_number_float()) {
    // Truncation toward zero lands in [0, 127] for these: representable in
    // every integer type, signed or not, 8 bits or 64.
    const double f = json.get<double>();
    if (f >= 128) {
      json = 127.0;
    } else if (f <= -1) {
      json = -0.5;
    }
    return;
  }
  if (!json.is_structured()) return;
  for (Json& element : json) MakeFloatsFitAnyField(element);
}

absl::Status FitFloatsToFields(absl::string_view codec, Json& stored,
                               const Json& shape) {
  std::string path;
  return WalkNumbers(
      stored, shape, path,
      [codec](Json& number, const Json& field, const std::string& at) {
        if (!number.is_number_float() || field.is_number_float()) {
          return absl::OkStatus();
        }
        // 2^63 and 2^64 are exact in a double.
        constexpr double kTwo63 = 9223372036854775808.0;
        const double f = number.get<double>();
        if (std::trunc(f) != f) {
          return DoesNotFit(codec, number, at, " (an integer)");
        }
        if (f >= -kTwo63 && f < kTwo63) {
          number = static_cast<int64_t>(f);
        } else if (f >= 0 && f < 2 * kTwo63) {
          number = static_cast<uint64_t>(f);
        } else {
          return DoesNotFit(codec, number, at, " (an integer)");
        }
        return absl::OkStatus();
      });
}

absl::Status CheckNumbersKept(absl::string_view codec, const Json& stored,
                              const Json& decoded) {
  std::string path;
  return WalkNumbers(
      stored, decoded, path,
      [codec](const Json& number, const Json& read, const std::string& at) {
        bool same;
        if (number.is_number_integer() && read.is_number_integer()) {
          same = SameInteger(number, read);
        } else {
          const double x = number.get<double>();
          const double y = read.get<double>();
          same = x == y || (std::isfinite(y) &&
                            static_cast<float>(x) == static_cast<float>(y));
        }
        if (same) return absl::OkStatus();
        return DoesNotFit(codec, number, at,
                          absl::StrCat(" (read as ", read.dump(), ")"));
      });
}

}  // namespace kivi::codec_internal
