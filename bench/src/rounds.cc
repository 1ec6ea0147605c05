#include "src/rounds.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "src/json_lines.h"

namespace kivi_bench {
namespace {

// Cells moving this many value bytes per operation run one round only.
constexpr size_t kHeavyOpBytes = 8 << 20;
// Untimed operations before a slice's clock starts.
constexpr absl::Duration kFirstWarmup = absl::Milliseconds(20);
constexpr absl::Duration kLaterWarmup = absl::ZeroDuration();

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid]
                                : (values[mid - 1] + values[mid]) / 2;
}

nlohmann::json CellJson(const Plan& plan, const Group& group,
                        const Cell& cell) {
  return {{"section", plan.section},
          {"backend", group.backend},
          {"workload", std::string(WorkloadName(cell.workload))},
          {"threads", cell.threads},
          {"value_bytes", cell.value_bytes},
          {"batch", KeysPerOp(cell.workload)}};
}

struct Participant {
  Target* target;
  std::vector<std::unique_ptr<Session>>* sessions;
  Cell cell;
  std::vector<Measurement> rounds;
};

void EmitResult(const Plan& plan, const Group& group, Participant& p) {
  const Cell& cell = p.cell;
  std::vector<double> ops, per_cpu, keys, p50, p99;
  uint64_t errors = 0;
  std::string first_error;
  for (Measurement& m : p.rounds) {
    ops.push_back(m.ops_per_sec());
    per_cpu.push_back(m.ops_per_cpu_sec());
    keys.push_back(m.ops_per_sec() * KeysPerOp(cell.workload));
    p50.push_back(m.LatencyUs(0.50));
    p99.push_back(m.LatencyUs(0.99));
    errors += m.errors;
    if (first_error.empty()) first_error = m.first_error;
  }
  nlohmann::json line = CellJson(plan, group, cell);
  line["kind"] = "result";
  line["client"] = p.target->name();
  line["rounds"] = p.rounds.size();
  line["ops_per_sec"] = Median(ops);
  line["ops_per_cpu_sec"] = Median(per_cpu);
  line["keys_per_sec"] = Median(keys);
  line["p50_us"] = Median(p50);
  line["p99_us"] = Median(p99);
  line["errors"] = errors;
  if (errors > 0) line["error"] = first_error;
  EmitJson(line);
  Progress(absl::StrFormat(
      "  %-14s %-10s t=%d %7zuB %-13s %12.0f ops/s  p50 %8.1fus  p99 %8.1fus%s",
      group.backend, WorkloadName(cell.workload), cell.threads,
      cell.value_bytes, p.target->name(), Median(ops), Median(p50), Median(p99),
      errors > 0 ? "  ERRORS: " + first_error : ""));
}

// a's rate over b's; in a's cell, naming b's thread count if it differs.
void EmitRatio(const Plan& plan, const Group& group, const Participant& a,
               const Participant& b) {
  std::vector<double> ratios, per_cpu;
  for (size_t r = 0; r < a.rounds.size() && r < b.rounds.size(); ++r) {
    if (b.rounds[r].ops_per_sec() > 0) {
      ratios.push_back(a.rounds[r].ops_per_sec() / b.rounds[r].ops_per_sec());
    }
    if (b.rounds[r].ops_per_cpu_sec() > 0) {
      per_cpu.push_back(a.rounds[r].ops_per_cpu_sec() /
                        b.rounds[r].ops_per_cpu_sec());
    }
  }
  nlohmann::json line = CellJson(plan, group, a.cell);
  line["kind"] = "ratio";
  line["numerator"] = a.target->name();
  line["denominator"] = b.target->name();
  if (b.cell.threads != a.cell.threads) {
    line["denominator_threads"] = b.cell.threads;
  }
  line["ratio_median"] = Median(ratios);
  line["ratios"] = ratios;
  // The same ratio of operations per CPU-second (see Measurement).
  line["per_cpu_ratio_median"] = Median(per_cpu);
  EmitJson(line);
}

}  // namespace

void RunGroup(Group& group, const Plan& plan, const Dataset& data) {
  int max_threads = 1;
  for (int t : plan.threads) max_threads = std::max(max_threads, t);

  // Sessions live for the whole group: connections are made once, untimed.
  std::vector<std::vector<std::unique_ptr<Session>>> sessions(
      group.targets.size());
  std::vector<bool> usable(group.targets.size(), true);
  for (size_t i = 0; i < group.targets.size(); ++i) {
    for (int t = 0; t < max_threads && usable[i]; ++t) {
      absl::StatusOr<std::unique_ptr<Session>> session =
          group.targets[i]->NewSession();
      if (!session.ok()) {
        EmitJson({{"kind", "error"},
                  {"section", plan.section},
                  {"backend", group.backend},
                  {"client", group.targets[i]->name()},
                  {"error", session.status().ToString()}});
        usable[i] = false;
        break;
      }
      sessions[i].push_back(*std::move(session));
    }
  }

  // Thread counts measured in the same rounds.
  std::vector<std::vector<int>> batches;
  if (plan.pair_threads) {
    batches.push_back(plan.threads);
  } else {
    for (int threads : plan.threads) batches.push_back({threads});
  }
  for (Workload workload : plan.workloads) {
    for (size_t size : plan.value_sizes) {
      for (const std::vector<int>& batch : batches) {
        if (absl::Now() > plan.deadline) {
          for (int threads : batch) {
            nlohmann::json line =
                CellJson(plan, group, Cell{workload, threads, size});
            line["kind"] = "skipped";
            line["reason"] = "time budget exhausted";
            EmitJson(line);
          }
          continue;
        }
        std::vector<Participant> participants;
        for (int threads : batch) {
          for (size_t i = 0; i < group.targets.size(); ++i) {
            if (!usable[i] || !group.targets[i]->Supports(workload)) continue;
            participants.push_back({group.targets[i].get(),
                                    &sessions[i],
                                    Cell{workload, threads, size},
                                    {}});
          }
        }
        const size_t n = participants.size();
        // One operation of a heavy cell outlasts a whole round of a light
        // one; a single slice of a single round keeps the run within its
        // time budget.
        const bool heavy = KeysPerOp(workload) * size >= kHeavyOpBytes;
        const int rounds = heavy ? 1 : plan.rounds;
        const int slices =
            heavy ? 1
                  : std::max<int>(1,
                                  static_cast<int>(plan.duration / plan.slice));
        for (int round = 0; round < rounds; ++round) {
          for (Participant& p : participants) p.rounds.emplace_back();
          for (int slice = 0; slice < slices; ++slice) {
            for (size_t k = 0; k < n; ++k) {
              Participant& p = participants[(round + slice + k) % n];
              // Connections and caches are warm after a cell's first slice.
              const absl::Duration warmup =
                  round == 0 && slice == 0 ? kFirstWarmup : kLaterWarmup;
              p.rounds.back().Add(RunCell(*p.target, *p.sessions, data, p.cell,
                                          plan.duration / slices, warmup));
            }
          }
        }
        for (Participant& p : participants) EmitResult(plan, group, p);
        // Every pair of clients at one thread count, in group order (kivi
        // first, then the reference); every client at N threads over itself
        // at the batch's first thread count.
        for (size_t a = 0; a < n; ++a) {
          for (size_t b = a + 1; b < n; ++b) {
            const Participant& pa = participants[a];
            const Participant& pb = participants[b];
            if (pa.cell.threads == pb.cell.threads) {
              EmitRatio(plan, group, pa, pb);
            } else if (pa.target == pb.target &&
                       pa.cell.threads == batch.front()) {
              EmitRatio(plan, group, pb, pa);
            }
          }
        }
      }
    }
  }
}

}  // namespace kivi_bench
