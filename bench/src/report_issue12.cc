#include "src/report_issue12.h"

#include <fstream>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"

namespace kivi_bench {
namespace {

using nlohmann::json;

struct Goal {
  std::string name;
  std::string target;
  std::optional<double> measured;
  double threshold;  // Met when measured >= threshold.
  std::string inputs;
};

// "12.3 k ops/s", or "not measured". The mux section's 1-thread cell has
// two "kivi" lines: the paired rounds against the raw floor, and the sync
// side of the async loop (marked "in_flight"); `depth_loop` picks one.
std::string Rate(const Results& results, const json& match,
                 bool depth_loop = false) {
  for (const json* r : results.All("result", match)) {
    if (r->contains("in_flight") != depth_loop) continue;
    if ((*r)["errors"].get<uint64_t>() > 0) return "errors";
    return HumanRate((*r)["ops_per_sec"].get<double>()) + " ops/s";
  }
  return "not measured";
}

json Cell(const std::string& section, const std::string& backend,
          const std::string& workload, int threads) {
  return {{"section", section},
          {"backend", backend},
          {"workload", workload},
          {"threads", threads}};
}

json With(json cell, const std::string& client) {
  cell["client"] = client;
  return cell;
}

// The mux section's rows of one server: (a) 64 callers, (b) 128 calls in
// flight on one thread, (c) one synchronous caller against the raw floor.
void MuxGoals(const Results& results, const std::string& server,
              const std::string& backend, const std::string& library,
              const std::string& library_conns, std::vector<Goal>& goals) {
  const json many = Cell("mux", backend, "mix90_10", 64);
  goals.push_back(
      {absl::StrCat(server, ": 64 threads, Get + 10% Set, kivi multiplexed / ",
                    library),
       "≥ 3× (moonshot 5×), ≤ 4 connections",
       results.Ratio(many, "kivi-mux4", library), 3.0,
       absl::StrCat("kivi `mux_conns=4&max_conns=4` (≤ 4 conns) ",
                    Rate(results, With(many, "kivi-mux4")), "; ", library, " (",
                    library_conns, ") ", Rate(results, With(many, library)),
                    "; kivi `mux_conns=0` (64 conns) ",
                    Rate(results, With(many, "kivi-nomux")))});
  const json one = Cell("mux", backend, "get_hit", 1);
  const json async = With(one, "kivi-async128");
  goals.push_back(
      {absl::StrCat(server, ": 1 thread, 128 async Gets in flight / sync"),
       "≥ 5×", results.Ratio(one, "kivi-async128", "kivi"), 5.0,
       absl::StrCat("async ", Rate(results, async, true), "; sync ",
                    Rate(results, With(one, "kivi"), true), " (1 conn)")});
  goals.push_back(
      {absl::StrCat(server, ": 1 thread, sync Get / raw-socket floor"),
       "≥ 0.95×", results.Ratio(one, "kivi", "raw"), 0.95,
       absl::StrCat("kivi ", Rate(results, With(one, "kivi")), "; raw ",
                    Rate(results, With(one, "raw")),
                    " (the medians of single rounds drift apart under load; "
                    "the ratio is the median of paired rounds)")});
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

void MemoryGoals(const Results& results, std::vector<Goal>& goals) {
  json cell = Cell("scaling", "memory", "mix90_10", 1);
  cell["value_bytes"] = 32;
  json two = cell;
  two["threads"] = 2;
  const std::string rates = absl::StrCat(
      "kivi 1 thread ", Rate(results, With(cell, "kivi")), ", 2 threads ",
      Rate(results, With(two, "kivi")), "; libcuckoo 2 threads ",
      Rate(results, With(two, "cuckoo")));
  goals.push_back({"memory://: Get + 10% Set, 2 threads / 1", "≥ 1.6×",
                   ScalingRatio(results, "kivi", 2, "ratio_median"), 1.6,
                   rates});
  goals.push_back({"the same in ops per CPU-second (1.6× on 2 idle cores)",
                   "≥ 0.8×",
                   ScalingRatio(results, "kivi", 2, "per_cpu_ratio_median"),
                   0.8, "shows what the other processes' load took"});
  goals.push_back({"memory:// / bare concurrent map (libcuckoo), 2 threads",
                   "≥ 0.8×", results.Ratio(two, "kivi", "cuckoo"), 0.8,
                   "same rounds as above"});
}

void GrpcGoals(const Results& results, std::vector<Goal>& goals) {
  const json one = {{"section", "grpc"}, {"threads", 1}};
  const json many = {{"section", "grpc"}, {"threads", 32}};
  json many_vs_one = many;
  many_vs_one["denominator_threads"] = 1;
  goals.push_back(
      {"grpc:// over memory://, Get 32 B, 32 threads / 1", "≥ 1×",
       results.Ratio(many_vs_one, "kivi", "kivi"), 1.0,
       absl::StrCat("kivi 1 thread ", Rate(results, With(one, "kivi")),
                    ", 32 threads ", Rate(results, With(many, "kivi")))});
  goals.push_back({"kivi-server / synchronous gRPC echo server, 32 threads",
                   "≥ 2×", results.Ratio(many, "kivi", "echo-sync"), 2.0,
                   absl::StrCat(
                       "sync echo ", Rate(results, With(many, "echo-sync")),
                       "; callback echo ", Rate(results, With(many, "echo")),
                       " (kivi / callback echo ",
                       [&] {
                         std::optional<double> r =
                             results.Ratio(many, "kivi", "echo");
                         return r ? Fixed(*r, 2) + "×" : std::string("n/a");
                       }(),
                       ")")});
}

}  // namespace

std::string Issue12GoalTable(const Results& results) {
  std::vector<Goal> goals;
  MuxGoals(
      results, "memcached", "memcached-1", "libmemcached",
      "a `memcached_st` per thread, as `memcached_pool_st` hands out: 64 conns",
      goals);
  MuxGoals(results, "redis", "redis-1", "hiredis", "a conn per thread, 64",
           goals);
  MemoryGoals(results, goals);
  GrpcGoals(results, goals);
  std::string out =
      "| goal | target | measured | rates (connections) | met |\n"
      "|---|---|---:|---|---|\n";
  for (const Goal& g : goals) {
    std::string measured = "not measured";
    std::string met;
    if (g.measured) {
      measured = Fixed(*g.measured, 2) + "×";
      met = *g.measured >= g.threshold ? "yes" : "**no**";
    }
    out += absl::StrCat("| ", g.name, " | ", g.target, " | ", measured, " | ",
                        g.inputs, " | ", met, " |\n");
  }
  return out;
}

void WriteMuxData(const Results& results, const std::string& path) {
  std::ofstream out(path);
  out << "# server kivi_mux4 kivi_nomux library (ops/s, 64 threads)\n";
  for (const auto& [server, backend, library] :
       {std::tuple<const char*, const char*, const char*>{
            "memcached", "memcached-1", "libmemcached"},
        {"redis", "redis-1", "hiredis"}}) {
    const json cell = Cell("mux", backend, "mix90_10", 64);
    out << server;
    for (const char* client : {"kivi-mux4", "kivi-nomux", library}) {
      std::optional<double> ops = OpsPerSec(results, With(cell, client));
      out << " " << (ops ? Fixed(*ops, 0) : std::string("NaN"));
    }
    out << "\n";
  }
}

}  // namespace kivi_bench
