#include "src/json_lines.h"

#include <cstdio>
#include <string>

namespace kivi_bench {

void EmitJson(const nlohmann::json& line) {
  const std::string text = line.dump();
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void Progress(absl::string_view note) {
  std::fwrite(note.data(), 1, note.size(), stderr);
  std::fputc('\n', stderr);
}

}  // namespace kivi_bench
