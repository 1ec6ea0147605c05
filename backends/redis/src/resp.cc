#include "backends/redis/src/resp.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kivi::redis {
namespace {

void AppendDecimal(std::string* out, int64_t n) {
  char digits[24];
  const std::to_chars_result r = std::to_chars(digits, digits + 24, n);
  out->append(digits, r.ptr);
}

// Strict decimal: an optional '-' then 1..19 digits, no overflow.
bool ParseDecimal(absl::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (*begin == '+') return false;
  const std::from_chars_result r = std::from_chars(begin, end, *out);
  return r.ec == std::errc() && r.ptr == end;
}

// Parses one reply at a time from a fixed buffer. Every failure stops the
// parse: `state_` says how.
class Parser {
 public:
  explicit Parser(absl::string_view in) : in_(in) {}

  ParseResult Run(Reply* reply) {
    ParseResult result;
    if (Parse(reply, 0)) {
      result.state = ParseState::kComplete;
      result.consumed = pos_;
    } else {
      result.state = state_;
      if (state_ == ParseState::kMalformed) result.error = std::move(error_);
    }
    return result;
  }

 private:
  bool Incomplete() {
    state_ = ParseState::kIncomplete;
    return false;
  }
  bool Malformed(absl::string_view what, absl::string_view near) {
    state_ = ParseState::kMalformed;
    error_ = absl::StrCat(what, " at byte ", pos_, ": ", QuoteForError(near));
    return false;
  }

  // Takes the line at pos_ (without "\r\n").
  bool TakeLine(absl::string_view* line) {
    const absl::string_view rest = in_.substr(pos_);
    const size_t limit = std::min(rest.size(), kMaxLineBytes + 2);
    for (size_t i = 0; i < limit; ++i) {
      const char c = rest[i];
      if (c == '\r') {
        if (i + 1 == rest.size()) return Incomplete();
        if (rest[i + 1] != '\n') {
          return Malformed("carriage return without line feed", rest);
        }
        *line = rest.substr(0, i);
        pos_ += i + 2;
        return true;
      }
      if (c == '\n')
        return Malformed("line feed without carriage return", rest);
    }
    if (rest.size() > kMaxLineBytes) {
      return Malformed(absl::StrCat("line longer than ", kMaxLineBytes), rest);
    }
    return Incomplete();
  }

  bool TakeLength(absl::string_view line, int64_t max, int64_t* n) {
    if (!ParseDecimal(line, n) || *n < -1) {
      return Malformed("bad length", line);
    }
    if (*n > max) return Malformed(absl::StrCat("length over ", max), line);
    return true;
  }

  // Takes `n` bytes and their "\r\n" terminator.
  bool TakeBlob(int64_t n, absl::string_view* blob) {
    const size_t size = static_cast<size_t>(n);
    if (in_.size() - pos_ < size + 2) return Incomplete();
    if (in_[pos_ + size] != '\r' || in_[pos_ + size + 1] != '\n') {
      return Malformed("bulk data not followed by CRLF", in_.substr(pos_));
    }
    *blob = in_.substr(pos_, size);
    pos_ += size + 2;
    return true;
  }

  bool ParseElements(Reply* reply, int64_t count, int depth) {
    reply->elements.clear();
    // Never reserve more than the input could hold (3 bytes per element at
    // least), whatever the header claims.
    reply->elements.reserve(
        std::min(static_cast<size_t>(count), (in_.size() - pos_) / 3));
    for (int64_t i = 0; i < count; ++i) {
      reply->elements.emplace_back();
      if (!Parse(&reply->elements.back(), depth + 1)) return false;
    }
    return true;
  }

  bool Parse(Reply* reply, int depth) {
    if (depth > kMaxNesting) {
      return Malformed(absl::StrCat("nesting deeper than ", kMaxNesting),
                       in_.substr(pos_));
    }
    if (pos_ >= in_.size()) return Incomplete();
    const char marker = in_[pos_];
    const size_t start = pos_;
    ++pos_;
    absl::string_view line;
    if (!TakeLine(&line)) return false;
    reply->text = absl::string_view();
    reply->integer = 0;
    reply->elements.clear();
    int64_t n = 0;
    switch (marker) {
      case '+':
        reply->type = ReplyType::kSimpleString;
        reply->text = line;
        return true;
      case '-':
        reply->type = ReplyType::kError;
        reply->text = line;
        return true;
      case ':':
        reply->type = ReplyType::kInteger;
        if (!ParseDecimal(line, &reply->integer)) {
          return Malformed("bad integer", line);
        }
        return true;
      case '_':
        if (!line.empty()) return Malformed("bad null", line);
        reply->type = ReplyType::kNull;
        return true;
      case '#':
        if (line != "t" && line != "f") return Malformed("bad boolean", line);
        reply->type = ReplyType::kBoolean;
        reply->integer = line == "t" ? 1 : 0;
        return true;
      case ',':
        if (line.empty()) return Malformed("empty double", line);
        reply->type = ReplyType::kDouble;
        reply->text = line;
        return true;
      case '(': {
        absl::string_view digits = line;
        if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
        if (digits.empty() ||
            digits.find_first_not_of("0123456789") != absl::string_view::npos) {
          return Malformed("bad big number", line);
        }
        reply->type = ReplyType::kBigNumber;
        reply->text = line;
        return true;
      }
      case '$':
      case '!':
      case '=': {
        if (line == "?") return Malformed("streamed strings unsupported", line);
        if (!TakeLength(line, kMaxBulkBytes, &n)) return false;
        if (n == -1) {
          if (marker != '$') return Malformed("bad length", line);
          reply->type = ReplyType::kNull;
          return true;
        }
        absl::string_view blob;
        if (!TakeBlob(n, &blob)) return false;
        if (marker == '$') {
          reply->type = ReplyType::kBulkString;
        } else if (marker == '!') {
          reply->type = ReplyType::kError;
        } else {
          if (blob.size() < 4 || blob[3] != ':') {
            pos_ = start;
            return Malformed("verbatim string without format", blob);
          }
          blob.remove_prefix(4);
          reply->type = ReplyType::kVerbatim;
        }
        reply->text = blob;
        return true;
      }
      case '*':
      case '~':
      case '>':
      case '%':
      case '|': {
        if (line == "?")
          return Malformed("streamed aggregates unsupported", line);
        if (!TakeLength(line, kMaxAggregateElements, &n)) return false;
        if (n == -1) {
          if (marker != '*') return Malformed("bad length", line);
          reply->type = ReplyType::kNull;
          return true;
        }
        const int64_t count = (marker == '%' || marker == '|') ? 2 * n : n;
        if (!ParseElements(reply, count, depth)) return false;
        if (marker == '|') {
          // Attributes precede the reply they describe; skip them.
          return Parse(reply, depth);
        }
        reply->type = marker == '*'   ? ReplyType::kArray
                      : marker == '~' ? ReplyType::kSet
                      : marker == '>' ? ReplyType::kPush
                                      : ReplyType::kMap;
        return true;
      }
      default:
        pos_ = start;
        return Malformed("unknown reply type", in_.substr(start));
    }
  }

  const absl::string_view in_;
  size_t pos_ = 0;
  ParseState state_ = ParseState::kIncomplete;
  std::string error_;
};

}  // namespace

void AppendArrayHeader(std::string* out, size_t count) {
  out->push_back('*');
  AppendDecimal(out, static_cast<int64_t>(count));
  out->append("\r\n", 2);
}

void AppendBulk(std::string* out, absl::string_view arg) {
  out->push_back('$');
  AppendDecimal(out, static_cast<int64_t>(arg.size()));
  out->append("\r\n", 2);
  out->append(arg.data(), arg.size());
  out->append("\r\n", 2);
}

void AppendBulk(std::string* out, int64_t arg) {
  char digits[24];
  const std::to_chars_result r = std::to_chars(digits, digits + 24, arg);
  AppendBulk(out, absl::string_view(digits, r.ptr - digits));
}

void AppendCommand(std::string* out, absl::Span<const absl::string_view> args) {
  AppendArrayHeader(out, args.size());
  for (const absl::string_view arg : args) AppendBulk(out, arg);
}

bool Reply::IsString() const {
  return type == ReplyType::kSimpleString || type == ReplyType::kBulkString ||
         type == ReplyType::kVerbatim;
}

bool Reply::IsList() const {
  return type == ReplyType::kArray || type == ReplyType::kSet ||
         type == ReplyType::kPush;
}

absl::string_view Reply::ErrorCode() const {
  const size_t space = text.find(' ');
  return space == absl::string_view::npos ? text : text.substr(0, space);
}

ParseResult ParseReply(absl::string_view in, Reply* reply) {
  return Parser(in).Run(reply);
}

std::string QuoteForError(absl::string_view text) {
  constexpr size_t kShown = 40;
  const bool cut = text.size() > kShown;
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kShown)),
                      cut ? "...\"" : "\"");
}

}  // namespace kivi::redis
