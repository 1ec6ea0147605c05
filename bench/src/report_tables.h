#ifndef KIVI_BENCH_REPORT_TABLES_H_
#define KIVI_BENCH_REPORT_TABLES_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kivi_bench {

// The lines of a kivi-bench run (bench/results/latest.json), with lookups
// for the report.
class Results {
 public:
  explicit Results(std::vector<nlohmann::json> lines)
      : lines_(std::move(lines)) {}

  const std::vector<nlohmann::json>& lines() const { return lines_; }
  // The first line of `kind` whose fields include every field of `match`.
  const nlohmann::json* Find(const std::string& kind,
                             const nlohmann::json& match) const;
  std::vector<const nlohmann::json*> All(const std::string& kind,
                                         const nlohmann::json& match) const;
  // ratio_median of the matching ratio line, or of the inverse pair
  // inverted.
  std::optional<double> Ratio(const nlohmann::json& cell,
                              const std::string& numerator,
                              const std::string& denominator) const;

 private:
  std::vector<nlohmann::json> lines_;
};

// ops_per_sec of the first matching result line; nullopt when there is
// none or it counted errors.
std::optional<double> OpsPerSec(const Results& results,
                                const nlohmann::json& match);

// "1.23 M", "456 k", "789".
std::string HumanRate(double per_second);
std::string Fixed(double value, int digits);

// Markdown: the section's result lines of `backend` as one row per cell,
// with ops/s, p50 and p99 per client and kivi's ratio to the others.
std::string CellTable(const Results& results, const std::string& section,
                      const std::string& backend);

// Markdown: per client and operation, CPU instructions, system calls and
// heap allocations per operation.
std::string CostTable(const Results& results);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_REPORT_TABLES_H_
