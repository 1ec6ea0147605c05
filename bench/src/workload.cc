#include "src/workload.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kivi_bench {
namespace {

constexpr std::array<std::pair<Workload, absl::string_view>, 7> kNames = {{
    {Workload::kGetHit, "get_hit"},
    {Workload::kGetMiss, "get_miss"},
    {Workload::kSet, "set"},
    {Workload::kBatch10, "batch10"},
    {Workload::kBatch100, "batch100"},
    {Workload::kBatch1000, "batch1000"},
    {Workload::kMix, "mix90_10"},
}};

}  // namespace

absl::string_view WorkloadName(Workload workload) {
  for (const auto& [w, name] : kNames) {
    if (w == workload) return name;
  }
  return "unknown";
}

absl::StatusOr<Workload> ParseWorkload(absl::string_view name) {
  for (const auto& [w, n] : kNames) {
    if (n == name) return w;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown workload \"", name,
                   "\"; expected get_hit, get_miss, set, batch10, batch100, "
                   "batch1000 or mix90_10"));
}

absl::StatusOr<std::vector<Workload>> ParseWorkloads(absl::string_view list) {
  std::vector<Workload> out;
  if (list == "all") {
    for (const auto& [w, name] : kNames) out.push_back(w);
    return out;
  }
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    absl::StatusOr<Workload> w = ParseWorkload(name);
    if (!w.ok()) return w.status();
    out.push_back(*w);
  }
  return out;
}

size_t KeysPerOp(Workload workload) {
  switch (workload) {
    case Workload::kBatch10:
      return 10;
    case Workload::kBatch100:
      return 100;
    case Workload::kBatch1000:
      return 1000;
    default:
      return 1;
  }
}

bool IsBatch(Workload workload) { return KeysPerOp(workload) > 1; }

}  // namespace kivi_bench
