#ifndef KIVI_BENCH_JSON_LINES_H_
#define KIVI_BENCH_JSON_LINES_H_

#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"

namespace kivi_bench {

// Writes `line` to stdout as one JSON line and flushes, so a run cut short
// still leaves every finished result behind.
void EmitJson(const nlohmann::json& line);

// A progress note on stderr.
void Progress(absl::string_view note);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_JSON_LINES_H_
