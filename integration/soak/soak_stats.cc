#include "integration/soak/soak_stats.h"

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace kivi::testing {
namespace {

absl::string_view VerdictName(Ledger::Verdict verdict) {
  switch (verdict) {
    case Ledger::Verdict::kAcknowledged:
      return "acknowledged";
    case Ledger::Verdict::kUncertain:
      return "late_failed_write";
    case Ledger::Verdict::kMiss:
      return "miss";
    case Ledger::Verdict::kWrongKey:
      return "wrong_key";
    case Ledger::Verdict::kOverwritten:
      return "overwritten";
    case Ledger::Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

MemorySample SampleMemory() {
  MemorySample sample;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view view = line;
    int64_t* field = nullptr;
    if (absl::ConsumePrefix(&view, "VmRSS:")) field = &sample.rss_kib;
    if (absl::ConsumePrefix(&view, "VmHWM:")) field = &sample.peak_rss_kib;
    if (field == nullptr) continue;
    view = absl::StripAsciiWhitespace(view);
    absl::ConsumeSuffix(&view, " kB");
    (void)absl::SimpleAtoi(view, field);
  }
  return sample;
}

void SoakStats::Merge(const SoakStats& other) {
  for (const auto& [op, n] : other.calls) calls[op] += n;
  keys_read += other.keys_read;
  for (const auto& [code, n] : other.errors) errors[code] += n;
  for (const auto& [verdict, n] : other.verdicts) verdicts[verdict] += n;
  if (other.slowest > slowest) {
    slowest = other.slowest;
    slowest_call = other.slowest_call;
  }
}

void SoakStats::Call(const std::string& op, absl::Duration took) {
  ++calls[op];
  if (took > slowest) {
    slowest = took;
    slowest_call = op;
  }
}

int64_t SoakStats::total_calls() const {
  int64_t total = 0;
  for (const auto& [op, n] : calls) total += n;
  return total;
}

int64_t SoakStats::misses() const {
  const auto it = verdicts.find(Ledger::Verdict::kMiss);
  return it == verdicts.end() ? 0 : it->second;
}

int64_t SoakStats::wrong_values() const {
  int64_t wrong = 0;
  for (const auto& [verdict, n] : verdicts) {
    if (Ledger::IsWrong(verdict)) wrong += n;
  }
  return wrong;
}

std::string SoakReport::ToText() const {
  std::string out = absl::StrFormat(
      "soak: %s, %d threads, 3 memcached servers, %d freeze(s), %d "
      "kill+restart(s)\n",
      absl::FormatDuration(duration), threads, freezes, restarts);
  absl::StrAppendFormat(
      &out, "  ops: %d calls (%s), %d keys read\n", stats.total_calls(),
      absl::StrJoin(stats.calls, ", ", absl::PairFormatter("=")),
      stats.keys_read);
  std::string errors;
  for (const auto& [code, n] : stats.errors) {
    absl::StrAppend(&errors, errors.empty() ? "" : ", ",
                    absl::StatusCodeToString(code), "=", n);
  }
  absl::StrAppendFormat(&out, "  errors by code: %s\n",
                        errors.empty() ? "none" : errors);
  std::string verdicts;
  for (const auto& [verdict, n] : stats.verdicts) {
    absl::StrAppend(&verdicts, verdicts.empty() ? "" : ", ",
                    VerdictName(verdict), "=", n);
  }
  absl::StrAppendFormat(&out, "  reads: %s\n", verdicts);
  absl::StrAppendFormat(&out, "  misses: %d, wrong values: %d\n",
                        stats.misses(), stats.wrong_values());
  absl::StrAppendFormat(&out,
                        "  slowest call: %.1f ms (%s) vs timeout %.1f ms\n",
                        Ms(stats.slowest), stats.slowest_call, Ms(timeout));
  absl::StrAppendFormat(
      &out,
      "  memory: RSS %d KiB (peak %d KiB) at start, %d KiB (peak %d KiB) "
      "at end, of which the test's ledgers %d KiB: %d KiB net\n",
      memory_start.rss_kib, memory_start.peak_rss_kib, memory_end.rss_kib,
      memory_end.peak_rss_kib, ledger_kib_end,
      memory_end.rss_kib - ledger_kib_end);
  return out;
}

std::string SoakReport::ToJson() const {
  std::string calls;
  for (const auto& [op, n] : stats.calls) {
    absl::StrAppend(&calls, calls.empty() ? "" : ",", "\"", op, "\":", n);
  }
  std::string errors;
  for (const auto& [code, n] : stats.errors) {
    absl::StrAppend(&errors, errors.empty() ? "" : ",", "\"",
                    absl::StatusCodeToString(code), "\":", n);
  }
  std::string verdicts;
  for (const auto& [verdict, n] : stats.verdicts) {
    absl::StrAppend(&verdicts, verdicts.empty() ? "" : ",", "\"",
                    VerdictName(verdict), "\":", n);
  }
  return absl::StrFormat(
      "{\"duration_s\":%.1f,\"threads\":%d,\"freezes\":%d,\"restarts\":%d,"
      "\"ops\":%d,\"calls\":{%s},\"keys_read\":%d,\"errors\":{%s},"
      "\"reads\":{%s},\"misses\":%d,\"wrong_values\":%d,"
      "\"slowest_ms\":%.1f,\"slowest_call\":\"%s\",\"timeout_ms\":%.1f,"
      "\"rss_kib_start\":%d,\"peak_rss_kib_start\":%d,\"rss_kib_end\":%d,"
      "\"peak_rss_kib_end\":%d,\"ledger_kib_end\":%d}",
      absl::ToDoubleSeconds(duration), threads, freezes, restarts,
      stats.total_calls(), calls, stats.keys_read, errors, verdicts,
      stats.misses(), stats.wrong_values(), Ms(stats.slowest),
      stats.slowest_call, Ms(timeout), memory_start.rss_kib,
      memory_start.peak_rss_kib, memory_end.rss_kib, memory_end.peak_rss_kib,
      ledger_kib_end);
}

}  // namespace kivi::testing
