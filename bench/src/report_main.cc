// kivi-bench-report: turns a kivi-bench run (JSON lines) into the summary
// the README shows (markdown: goals, tables, costs) and the data files
// bench/plot.gp draws.
//
//   kivi-bench-report --input=bench/results/latest.json
//   --output_dir=bench/results

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/report_tables.h"

ABSL_FLAG(std::string, input, "bench/results/latest.json", "kivi-bench output");
ABSL_FLAG(std::string, output_dir, "bench/results",
          "where summary.md and the chart's .dat files go");

namespace kivi_bench {
namespace {

using nlohmann::json;

json AnchorCell(const std::string& backend, const std::string& workload,
                const Results& results) {
  json cell = {{"section", "anchor"},
               {"backend", backend},
               {"workload", workload},
               {"threads", 1}};
  if (const json* any = results.Find("result", cell)) {
    cell["value_bytes"] = (*any)["value_bytes"];
  }
  return cell;
}

std::optional<double> OpsPerSec(const Results& results, const json& match) {
  const json* r = results.Find("result", match);
  if (r == nullptr || (*r)["errors"].get<uint64_t>() > 0) return std::nullopt;
  return (*r)["ops_per_sec"].get<double>();
}

std::optional<double> PerOp(const Results& results, const std::string& kind,
                            const std::string& client, const std::string& op) {
  const json* line = results.Find(kind, {{"client", client}, {"op", op}});
  if (line == nullptr) return std::nullopt;
  return (*line)["per_op"].get<double>();
}

// A "scaling" ratio line's `field`: `client` at `threads` over itself at
// one thread, Get + 10% Set of 32 B values on memory://.
std::optional<double> ScalingRatio(const Results& results,
                                   const std::string& client, int threads,
                                   const std::string& field) {
  const json* line = results.Find("ratio", {{"section", "scaling"},
                                            {"backend", "memory"},
                                            {"workload", "mix90_10"},
                                            {"value_bytes", 32},
                                            {"threads", threads},
                                            {"numerator", client},
                                            {"denominator", client},
                                            {"denominator_threads", 1}});
  if (line == nullptr) return std::nullopt;
  return (*line)[field].get<double>();
}

struct Goal {
  std::string name;
  std::string target;
  std::optional<double> measured;
  bool higher_is_better;
  double threshold;
  std::string unit = "×";
};

std::string GoalTable(const Results& results) {
  auto ratio = [&](const std::string& backend, const std::string& workload,
                   const std::string& a, const std::string& b) {
    return results.Ratio(AnchorCell(backend, workload, results), a, b);
  };
  std::optional<double> instr_ratio;
  if (auto k = PerOp(results, "instructions", "kivi", "get_hit"),
      l = PerOp(results, "instructions", "libmemcached", "get_hit");
      k && l && *l > 0) {
    instr_ratio = *k / *l;
  }
  const json mem1 = {{"section", "matrix"},
                     {"backend", "memory"},
                     {"workload", "get_hit"},
                     {"value_bytes", 32},
                     {"client", "kivi"}};
  auto mem = [&](int threads) {
    json m = mem1;
    m["threads"] = threads;
    return OpsPerSec(results, m);
  };
  std::optional<double> mem_2, mem_8;
  if (auto m1 = mem(1), m2 = mem(2), m8 = mem(8); m1 && *m1 > 0) {
    if (m2) mem_2 = *m2 / *m1;
    if (m8) mem_8 = *m8 / *m1;
  }
  auto grpc = [&](int threads) {
    return results.Ratio({{"section", "matrix"},
                          {"backend", "grpc"},
                          {"workload", "get_hit"},
                          {"value_bytes", 32},
                          {"threads", threads}},
                         "kivi", "echo");
  };
  // kivi's BatchGet(100) keys/s over its single Get's ops/s.
  std::optional<double> pg_batch;
  if (const json* batch = results.Find("result", {{"section", "anchor"},
                                                  {"backend", "postgres"},
                                                  {"workload", "batch100"},
                                                  {"client", "kivi"}});
      batch != nullptr) {
    if (auto get = OpsPerSec(results, {{"section", "anchor"},
                                       {"backend", "postgres"},
                                       {"workload", "get_hit"},
                                       {"client", "kivi"}});
        get && *get > 0) {
      pg_batch = (*batch)["keys_per_sec"].get<double>() / *get;
    }
  }
  const std::optional<double> memory_vs_map =
      results.Ratio({{"section", "scaling"},
                     {"backend", "memory"},
                     {"workload", "mix90_10"},
                     {"value_bytes", 32},
                     {"threads", 2}},
                    "kivi", "cuckoo");
  std::vector<Goal> goals = {
      {"Get vs raw-socket floor (1 server)", "≥ 0.9×",
       ratio("memcached-1", "get_hit", "kivi", "raw"), true, 0.9},
      {"Get vs libmemcached (1 server)", "≥ 1.1×",
       ratio("memcached-1", "get_hit", "kivi", "libmemcached"), true, 1.1},
      {"Set vs raw-socket floor (1 server)", "≥ 0.9×",
       ratio("memcached-1", "set", "kivi", "raw"), true, 0.9},
      {"Set vs libmemcached (1 server)", "≥ 1.1×",
       ratio("memcached-1", "set", "kivi", "libmemcached"), true, 1.1},
      {"BatchGet(100) vs libmemcached mget, 1 server", "≥ 1.5×",
       ratio("memcached-1", "batch100", "kivi", "libmemcached"), true, 1.5},
      {"BatchGet(100) vs libmemcached mget, 3 servers", "≥ 1.5×",
       ratio("memcached-3", "batch100", "kivi", "libmemcached"), true, 1.5},
      {"Instructions per Get vs libmemcached (callgrind)", "≤ 0.7×",
       instr_ratio, false, 0.7},
      {"memory:// Get, 1 thread, 32 B", "≥ 5 M ops/s",
       mem(1) ? std::optional<double>(*mem(1) / 1e6) : std::nullopt, true, 5,
       " M ops/s"},
      {"memory:// Get scaling, 2 threads / 1", "> 1×", mem_2, true, 1.0},
      {"memory:// Get scaling, 8 threads / 1", "> 1×", mem_8, true, 1.0},
      {"memory:// Get + 10% Set, 2 threads / 1 (issue 12)", "≥ 1.6×",
       ScalingRatio(results, "kivi", 2, "ratio_median"), true, 1.6},
      {"the same in ops per CPU-second (1.6× on 2 idle cores)", "≥ 0.8×",
       ScalingRatio(results, "kivi", 2, "per_cpu_ratio_median"), true, 0.8},
      {"memory:// vs bare concurrent map (libcuckoo), 2 threads", "≥ 0.8×",
       memory_vs_map, true, 0.8},
      {"kivi-server vs bare gRPC echo, Get 32 B, 1 thread", "≥ 0.8×", grpc(1),
       true, 0.8},
      {"kivi-server vs bare gRPC echo, Get 32 B, 8 threads", "≥ 0.8×", grpc(8),
       true, 0.8},
      {"grpc:// over memory://, Get 32 B, 32 threads / 1 (issue 12)", "≥ 1×",
       results.Ratio(
           {{"section", "grpc"}, {"threads", 32}, {"denominator_threads", 1}},
           "kivi", "kivi"),
       true, 1.0},
      {"kivi-server vs synchronous gRPC echo, 32 threads (issue 12)", "≥ 2×",
       results.Ratio({{"section", "grpc"}, {"threads", 32}}, "kivi",
                     "echo-sync"),
       true, 2.0},
      {"postgres:// Get vs raw libpq floor", "≥ 0.9×",
       ratio("postgres", "get_hit", "kivi", "libpq"), true, 0.9},
      {"postgres:// Set vs raw libpq floor", "≥ 0.9×",
       ratio("postgres", "set", "kivi", "libpq"), true, 0.9},
      {"postgres:// BatchGet(100) keys/s vs single Gets", "≥ 5×", pg_batch,
       true, 5},
      {"rocksdb:// Get vs the raw RocksDB API", "≥ 0.9×",
       ratio("rocksdb", "get_hit", "kivi", "raw-rocksdb"), true, 0.9},
      {"rocksdb:// Set vs the raw RocksDB API", "≥ 0.9×",
       ratio("rocksdb", "set", "kivi", "raw-rocksdb"), true, 0.9},
      {"rocksdb:// BatchGet(100) vs raw MultiGet", "≥ 0.9×",
       ratio("rocksdb", "batch100", "kivi", "raw-rocksdb"), true, 0.9},
  };
  std::string out = "| goal | target | measured | met |\n|---|---|---:|---|\n";
  for (const Goal& g : goals) {
    std::string measured = "not measured";
    std::string met = "";
    if (g.measured) {
      measured = Fixed(*g.measured, 2) + g.unit;
      const bool ok = g.higher_is_better ? *g.measured >= g.threshold
                                         : *g.measured <= g.threshold;
      met = ok ? "yes" : "**no**";
    }
    out += absl::StrCat("| ", g.name, " | ", g.target, " | ", measured, " | ",
                        met, " |\n");
  }
  return out;
}

std::string Calibration(const Results& results) {
  auto ratio = [&](const std::string& workload, const std::string& a,
                   const std::string& b) {
    std::optional<double> r =
        results.Ratio(AnchorCell("memcached-1", workload, results), a, b);
    return r ? Fixed(*r, 2) + "×" : std::string("not measured");
  };
  return absl::StrCat(
      "| reference point (1 server) | issue's figure | this run |\n"
      "|---|---:|---:|\n"
      "| libmemcached Get / raw floor | ≈ 0.8× | ",
      ratio("get_hit", "libmemcached", "raw"),
      " |\n| raw pipelined meta BatchGet(100) / libmemcached mget | ≈ 2.0× | ",
      ratio("batch100", "raw-pipelined", "libmemcached"),
      " |\n| raw classic `get k1..k100` / libmemcached mget | ≈ 2.8× | ",
      ratio("batch100", "raw", "libmemcached"),
      " |\n| raw classic / raw pipelined meta, BatchGet(100) | | ",
      ratio("batch100", "raw", "raw-pipelined"), " |\n");
}

// anchor_ratios.dat: per anchor workload, each client's throughput over
// libmemcached's, on one server and on three.
void WriteAnchorData(const Results& results, const std::string& path) {
  std::ofstream out(path);
  out << "# workload kivi_1 raw_1 raw_pipelined_1 kivi_3\n";
  std::vector<std::string> workloads;
  for (const json* r : results.All("result", {{"section", "anchor"},
                                              {"backend", "memcached-1"},
                                              {"client", "kivi"}})) {
    workloads.push_back((*r)["workload"]);
  }
  for (const std::string& w : workloads) {
    auto cell = [&](const std::string& value) {
      std::optional<double> r = results.Ratio(
          AnchorCell(value == "kivi_3" ? "memcached-3" : "memcached-1", w,
                     results),
          value == "raw_1"             ? "raw"
          : value == "raw_pipelined_1" ? "raw-pipelined"
                                       : "kivi",
          "libmemcached");
      return r ? Fixed(*r, 3) : std::string("NaN");
    };
    out << w << " " << cell("kivi_1") << " " << cell("raw_1") << " "
        << cell("raw_pipelined_1") << " " << cell("kivi_3") << "\n";
  }
}

// threads.dat: Get of 32 B values, ops/s by client threads, per
// backend and client.
void WriteThreadData(const Results& results, const std::string& path) {
  const std::vector<std::pair<std::string, std::string>> series = {
      {"memory", "kivi"},
      {"memcached-1", "kivi"},
      {"memcached-1", "libmemcached"},
      {"memcached-1", "raw"},
      {"memcached-3", "kivi"},
      {"memcached-3", "libmemcached"},
      {"grpc", "kivi"},
      {"grpc", "echo"}};
  std::ofstream out(path);
  out << "threads";
  for (const auto& [backend, client] : series)
    out << " " << backend << "/" << client;
  out << "\n";
  for (int threads : {1, 2, 8}) {
    out << threads;
    for (const auto& [backend, client] : series) {
      std::optional<double> ops = OpsPerSec(results, {{"section", "matrix"},
                                                      {"backend", backend},
                                                      {"client", client},
                                                      {"workload", "get_hit"},
                                                      {"value_bytes", 32},
                                                      {"threads", threads}});
      out << " " << (ops ? Fixed(*ops, 0) : std::string("NaN"));
    }
    out << "\n";
  }
}

// Markdown: per client of the scaling section, its rate at each thread
// count over its rate at one thread, wall-clock and per CPU-second, from
// the same paired rounds.
std::string ScalingTable(const Results& results) {
  std::string out;
  for (const json* r : results.All(
           "ratio", {{"section", "scaling"}, {"denominator_threads", 1}})) {
    if ((*r)["numerator"] != (*r)["denominator"]) continue;
    out += absl::StrCat(
        "| ", (*r)["numerator"].get<std::string>(), " | ",
        (*r)["workload"].get<std::string>(), " | ",
        (*r)["value_bytes"].get<int>(), " B | ", (*r)["threads"].get<int>(),
        " | ", Fixed((*r)["ratio_median"].get<double>(), 2), "× | ",
        Fixed((*r)["per_cpu_ratio_median"].get<double>(), 2), "× |\n");
  }
  if (out.empty()) return "";
  return "| client | workload | value | threads | ops/s over 1 thread | ops "
         "per CPU-second over 1 thread |\n|---|---|---:|---:|---:|---:|\n" +
         out;
}

// The "machine" line run.sh writes first, and the load it records last.
std::string MachineLines(const Results& results) {
  std::string out;
  for (const char* kind : {"machine", "machine_after"}) {
    const json* m = results.Find(kind, json::object());
    if (m == nullptr) continue;
    for (const auto& [field, value] : m->items()) {
      if (field == "kind") continue;
      out += absl::StrCat(
          "- ", field, ": ",
          value.is_string() ? value.get<std::string>() : value.dump(), "\n");
    }
  }
  return out.empty() ? "Machine: not recorded.\n" : out;
}

int Report() {
  std::ifstream in(absl::GetFlag(FLAGS_input));
  if (!in) {
    absl::FPrintF(stderr, "cannot read %s\n", absl::GetFlag(FLAGS_input));
    return 1;
  }
  std::vector<json> lines;
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty() || text[0] != '{') continue;
    json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!line.is_discarded()) lines.push_back(std::move(line));
  }
  const Results results(std::move(lines));
  const std::string dir = absl::GetFlag(FLAGS_output_dir);

  std::string md = "# kivi benchmark results\n\n## Machine\n\n";
  md += MachineLines(results);
  md +=
      "\n## Goals (issues 5 and 14)\n\nRatios are medians of paired rounds: "
      "in each round every client gets the same time in short slices that "
      "alternate between the clients.\n\n";
  md += GoalTable(results);
  md += "\n## Reference points\n\n" + Calibration(results);
  if (const json* compat = results.Find("ring_compat", json::object())) {
    md += absl::StrFormat(
        "\nRing compatibility: libmemcached found %d of the %d keys kivi "
        "stored on 3 servers.\n",
        (*compat)["found_by_libmemcached"].get<int>(),
        (*compat)["keys_stored_by_kivi"].get<int>());
  }
  md += "\n## Cost per operation (one thread, 100 B values, one server)\n\n";
  md += CostTable(results);
  for (const std::string backend :
       {"memcached-1", "memcached-3", "postgres", "rocksdb"}) {
    std::string table = CellTable(results, "anchor", backend);
    if (table.empty()) continue;
    md += absl::StrCat("\n## Anchor: ", backend,
                       ", one thread (batch rows: batches/s)\n\n", table);
  }
  for (const std::string backend :
       {"memory", "memcached-1", "memcached-3", "grpc"}) {
    std::string table = CellTable(results, "matrix", backend);
    if (table.empty()) continue;
    md += absl::StrCat("\n## Matrix: ", backend, " (batch rows: batches/s)\n\n",
                       table);
  }
  if (std::string table = CellTable(results, "scaling", "memory");
      !table.empty()) {
    md += absl::StrCat(
        "\n## Scaling: memory:// and a bare concurrent map (libcuckoo), Get "
        "+ 10% Set, every thread count in the same paired rounds\n\n",
        table, "\n", ScalingTable(results));
  }
  const size_t skipped = results.All("skipped", json::object()).size();
  const size_t errors = results.All("error", json::object()).size();
  if (skipped + errors > 0) {
    md += absl::StrFormat("\n%d cells skipped (time budget), %d errors.\n",
                          skipped, errors);
  }
  std::ofstream(dir + "/summary.md") << md;
  WriteAnchorData(results, dir + "/anchor_ratios.dat");
  WriteThreadData(results, dir + "/threads.dat");
  std::cout << md;
  return 0;
}

}  // namespace
}  // namespace kivi_bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return kivi_bench::Report();
}
