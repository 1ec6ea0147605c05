#include "src/report_tables.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace kivi_bench {
namespace {

bool Matches(const nlohmann::json& line, const nlohmann::json& match) {
  for (const auto& [field, value] : match.items()) {
    if (!line.contains(field) || line[field] != value) return false;
  }
  return true;
}

std::string Us(double us) {
  return us >= 1000 ? Fixed(us / 1000, 1) + " ms" : Fixed(us, 1) + " µs";
}

std::string Size(size_t bytes) {
  if (bytes >= 1024 && bytes % 1024 == 0)
    return absl::StrCat(bytes / 1024, " KiB");
  return absl::StrCat(bytes, " B");
}

}  // namespace

const nlohmann::json* Results::Find(const std::string& kind,
                                    const nlohmann::json& match) const {
  for (const nlohmann::json& line : lines_) {
    if (line.value("kind", "") == kind && Matches(line, match)) return &line;
  }
  return nullptr;
}

std::vector<const nlohmann::json*> Results::All(
    const std::string& kind, const nlohmann::json& match) const {
  std::vector<const nlohmann::json*> out;
  for (const nlohmann::json& line : lines_) {
    if (line.value("kind", "") == kind && Matches(line, match)) {
      out.push_back(&line);
    }
  }
  return out;
}

std::optional<double> Results::Ratio(const nlohmann::json& cell,
                                     const std::string& numerator,
                                     const std::string& denominator) const {
  nlohmann::json match = cell;
  match["numerator"] = numerator;
  match["denominator"] = denominator;
  if (const nlohmann::json* line = Find("ratio", match)) {
    return (*line)["ratio_median"].get<double>();
  }
  match["numerator"] = denominator;
  match["denominator"] = numerator;
  if (const nlohmann::json* line = Find("ratio", match)) {
    const double r = (*line)["ratio_median"].get<double>();
    if (r > 0) return 1 / r;
  }
  return std::nullopt;
}

std::optional<double> OpsPerSec(const Results& results,
                                const nlohmann::json& match) {
  const nlohmann::json* r = results.Find("result", match);
  if (r == nullptr || (*r)["errors"].get<uint64_t>() > 0) return std::nullopt;
  return (*r)["ops_per_sec"].get<double>();
}

std::string HumanRate(double per_second) {
  if (per_second >= 1e6) return Fixed(per_second / 1e6, 2) + " M";
  if (per_second >= 1e4) return Fixed(per_second / 1e3, 0) + " k";
  if (per_second >= 1e3) return Fixed(per_second / 1e3, 1) + " k";
  return Fixed(per_second, per_second >= 100 ? 0 : 1);
}

std::string Fixed(double value, int digits) {
  return absl::StrFormat("%.*f", digits, value);
}

std::string CellTable(const Results& results, const std::string& section,
                      const std::string& backend) {
  const std::vector<const nlohmann::json*> rows =
      results.All("result", {{"section", section}, {"backend", backend}});
  if (rows.empty()) return "";
  std::vector<std::string> clients;
  using Key = std::tuple<std::string, size_t, int>;
  std::vector<Key> cells;
  for (const nlohmann::json* r : rows) {
    const std::string client = (*r)["client"];
    if (std::find(clients.begin(), clients.end(), client) == clients.end()) {
      clients.push_back(client);
    }
    Key key{(*r)["workload"], (*r)["value_bytes"], (*r)["threads"]};
    if (std::find(cells.begin(), cells.end(), key) == cells.end()) {
      cells.push_back(key);
    }
  }
  std::vector<std::string> header = {"workload", "value", "threads"};
  for (const std::string& c : clients) {
    header.push_back(absl::StrCat(c, " ops/s"));
    header.push_back(absl::StrCat(c, " p50 / p99"));
  }
  for (size_t i = 1; i < clients.size(); ++i) {
    header.push_back(absl::StrCat(clients[0], "/", clients[i]));
  }
  std::string out = absl::StrCat("| ", absl::StrJoin(header, " | "), " |\n|");
  for (size_t i = 0; i < header.size(); ++i) out += i < 3 ? "---|" : "---:|";
  out += "\n";
  for (const auto& [workload, bytes, threads] : cells) {
    const nlohmann::json cell = {{"section", section},
                                 {"backend", backend},
                                 {"workload", workload},
                                 {"value_bytes", bytes},
                                 {"threads", threads}};
    std::vector<std::string> row = {workload, Size(bytes),
                                    absl::StrCat(threads)};
    for (const std::string& c : clients) {
      nlohmann::json match = cell;
      match["client"] = c;
      // The mux section's 1-thread cell also holds the async loop's own
      // synchronous rounds ("in_flight"); the paired rounds come first.
      const nlohmann::json* r = nullptr;
      for (const nlohmann::json* line : results.All("result", match)) {
        if (r == nullptr ||
            (r->contains("in_flight") && !line->contains("in_flight"))) {
          r = line;
        }
      }
      if (r == nullptr) {
        row.insert(row.end(), {"", ""});
      } else if ((*r)["errors"].get<uint64_t>() > 0) {
        row.insert(row.end(), {"errors", ""});
      } else {
        row.push_back(HumanRate((*r)["ops_per_sec"].get<double>()));
        // The mux section's async rows time no single call.
        row.push_back(r->contains("p50_us")
                          ? absl::StrCat(Us((*r)["p50_us"].get<double>()),
                                         " / ",
                                         Us((*r)["p99_us"].get<double>()))
                          : std::string("n/a"));
      }
    }
    for (size_t i = 1; i < clients.size(); ++i) {
      std::optional<double> ratio = results.Ratio(cell, clients[0], clients[i]);
      row.push_back(ratio ? Fixed(*ratio, 2) + "×" : "");
    }
    out += absl::StrCat("| ", absl::StrJoin(row, " | "), " |\n");
  }
  return out;
}

std::string CostTable(const Results& results) {
  // (client, op) -> columns, in order of first appearance.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>,
           std::map<std::string, std::string>>
      cells;
  for (const nlohmann::json& line : results.lines()) {
    const std::string kind = line.value("kind", "");
    if (kind != "instructions" && kind != "syscalls" &&
        kind != "syscalls_strace" && kind != "allocations") {
      continue;
    }
    const std::pair<std::string, std::string> key{line["client"], line["op"]};
    if (cells.find(key) == cells.end()) order.push_back(key);
    std::string text =
        Fixed(line["per_op"].get<double>(), kind == "instructions" ? 0 : 2);
    if (kind != "instructions" && kind != "allocations" &&
        line.contains("by_name")) {
      std::vector<std::string> names;
      for (const auto& [name, count] : line["by_name"].items()) {
        names.push_back(absl::StrCat(name, " ", Fixed(count.get<double>(), 2)));
      }
      text += absl::StrCat(" (", absl::StrJoin(names, ", "), ")");
    }
    if (kind == "allocations" && line.contains("bytes_per_op")) {
      text += absl::StrCat(" (", Fixed(line["bytes_per_op"].get<double>(), 0),
                           " B)");
    }
    cells[key][kind] = text;
  }
  if (order.empty()) return "";
  std::string out =
      "| client | operation | instructions/op | syscalls/op (perf, native) | "
      "syscalls/op (under strace -c) | allocations/op (bytes) |\n"
      "|---|---|---:|---|---|---:|\n";
  for (const auto& key : order) {
    auto& c = cells[key];
    out += absl::StrCat("| ", key.first, " | ", key.second, " | ",
                        c["instructions"], " | ", c["syscalls"], " | ",
                        c["syscalls_strace"], " | ", c["allocations"], " |\n");
  }
  return out;
}

}  // namespace kivi_bench
