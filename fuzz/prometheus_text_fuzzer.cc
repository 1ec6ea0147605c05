// Fuzzes the Prometheus text renderer with arbitrary names, help texts,
// label names and values and sample values.
//
// Properties, beyond no crash, leak, overflow or hang:
// - the output has exactly the lines the families call for (HELP, TYPE,
//   one per sample; per histogram series one per bound, +Inf, _sum and
//   _count), so no byte of a name, label or help text breaks a line;
// - every sample line parses back strictly (name, labels, value), its
//   names are valid, and its label values unescape to the values given;
// - every HELP line unescapes to the help text given.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "kivi/observability/prometheus_text.h"

namespace kivi::observability {
namespace {

// Splits the input into fields at NUL bytes; an exhausted input gives
// empty fields.
class Fields {
 public:
  explicit Fields(absl::string_view data)
      : fields_(absl::StrSplit(data, '\0')) {}
  std::string Next() {
    return next_ < fields_.size() ? std::string(fields_[next_++]) : "";
  }
  double NextDouble() {
    const std::string f = Next();
    double d = 0;
    std::memcpy(&d, f.data(), f.size() < sizeof(d) ? f.size() : sizeof(d));
    return d;
  }
  bool done() const { return next_ >= fields_.size(); }

 private:
  std::vector<absl::string_view> fields_;
  size_t next_ = 0;
};

bool IsNameByte(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':' || (!first && c >= '0' && c <= '9');
}

// Reads a metric or label name at the front of `*in`.
std::string ReadName(absl::string_view* in) {
  size_t n = 0;
  while (n < in->size() && IsNameByte((*in)[n], n == 0)) ++n;
  KIVI_FUZZ_CHECK(n > 0);
  std::string name(in->substr(0, n));
  in->remove_prefix(n);
  return name;
}

// Reads a quoted, escaped label value and returns it unescaped.
std::string ReadQuoted(absl::string_view* in) {
  KIVI_FUZZ_CHECK(!in->empty() && (*in)[0] == '"');
  in->remove_prefix(1);
  std::string out;
  while (true) {
    KIVI_FUZZ_CHECK(!in->empty());
    const char c = (*in)[0];
    in->remove_prefix(1);
    if (c == '"') return out;
    KIVI_FUZZ_CHECK(c != '\n');
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    KIVI_FUZZ_CHECK(!in->empty());
    const char e = (*in)[0];
    in->remove_prefix(1);
    KIVI_FUZZ_CHECK(e == '\\' || e == '"' || e == 'n');
    out.push_back(e == 'n' ? '\n' : e);
  }
}

// Parses "name{l="v",...} value" and returns the label values in order.
std::vector<std::string> ParseSample(absl::string_view line) {
  ReadName(&line);
  std::vector<std::string> values;
  if (!line.empty() && line[0] == '{') {
    line.remove_prefix(1);
    while (true) {
      ReadName(&line);
      KIVI_FUZZ_CHECK(!line.empty() && line[0] == '=');
      line.remove_prefix(1);
      values.push_back(ReadQuoted(&line));
      KIVI_FUZZ_CHECK(!line.empty());
      if (line[0] == '}') break;
      KIVI_FUZZ_CHECK(line[0] == ',');
      line.remove_prefix(1);
    }
    line.remove_prefix(1);
  }
  KIVI_FUZZ_CHECK(line.size() > 1 && line[0] == ' ');
  line.remove_prefix(1);
  KIVI_FUZZ_CHECK(line.find(' ') == absl::string_view::npos);
  return values;
}

std::string UnescapeHelp(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;
      KIVI_FUZZ_CHECK(text[i] == '\\' || text[i] == 'n');
      out.push_back(text[i] == 'n' ? '\n' : '\\');
    } else {
      KIVI_FUZZ_CHECK(text[i] != '\\');
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace
}  // namespace kivi::observability

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kivi::observability;
  Fields in(absl::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<MetricFamily> families;
  size_t expected_lines = 0;
  // Label values in the order the sample lines will show them.
  std::vector<std::vector<std::string>> expected_values;
  std::vector<std::string> helps;
  for (int f = 0; f < 3 && !in.done(); ++f) {
    MetricFamily family;
    family.name = in.Next();
    family.help = in.Next();
    helps.push_back(family.help);
    const std::string kind = in.Next();
    family.type = kind.empty()         ? MetricType::kGauge
                  : kind[0] % 3 == 0   ? MetricType::kCounter
                  : kind[0] % 3 == 1   ? MetricType::kGauge
                                       : MetricType::kHistogram;
    expected_lines += 2;
    const int series = kind.size() > 1 ? kind[1] % 4 : 1;
    if (family.type == MetricType::kHistogram) {
      const int bounds = kind.size() > 2 ? kind[2] % 4 : 1;
      for (int b = 0; b < bounds; ++b) family.bounds.push_back(b + 0.5);
    }
    for (int s = 0; s < series; ++s) {
      Labels labels;
      std::vector<std::string> values;
      const std::string count = in.Next();
      for (int l = 0; l < (count.empty() ? 0 : count[0] % 3); ++l) {
        std::string name = in.Next();
        std::string value = in.Next();
        values.push_back(value);
        labels.emplace_back(std::move(name), std::move(value));
      }
      if (family.type != MetricType::kHistogram) {
        family.samples.push_back({labels, in.NextDouble()});
        expected_lines += 1;
        expected_values.push_back(values);
        continue;
      }
      HistogramSample h{labels, {}, in.NextDouble(), 7};
      for (size_t b = 0; b < family.bounds.size(); ++b) {
        h.bucket_counts.push_back(b);
        std::vector<std::string> with_le = values;
        with_le.push_back("");  // le: checked for shape only.
        expected_values.push_back(with_le);
      }
      std::vector<std::string> with_le = values;
      with_le.push_back("+Inf");
      expected_values.push_back(with_le);
      expected_values.push_back(values);  // _sum
      expected_values.push_back(values);  // _count
      expected_lines += family.bounds.size() + 3;
      family.histograms.push_back(std::move(h));
    }
    families.push_back(std::move(family));
  }

  const std::string text = RenderPrometheusText(families);
  KIVI_FUZZ_CHECK(text.empty() || text.back() == '\n');
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  lines.pop_back();  // After the last newline.
  KIVI_FUZZ_CHECK(lines.size() == expected_lines);
  size_t sample = 0;
  size_t help = 0;
  for (absl::string_view line : lines) {
    if (line.substr(0, 7) == "# HELP ") {
      absl::string_view rest = line.substr(7);
      ReadName(&rest);
      KIVI_FUZZ_CHECK(!rest.empty() && rest[0] == ' ');
      KIVI_FUZZ_CHECK(UnescapeHelp(rest.substr(1)) == helps[help++]);
      continue;
    }
    if (line.substr(0, 7) == "# TYPE ") continue;
    KIVI_FUZZ_CHECK(sample < expected_values.size());
    const std::vector<std::string> got = ParseSample(line);
    const std::vector<std::string>& want = expected_values[sample++];
    KIVI_FUZZ_CHECK(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      KIVI_FUZZ_CHECK(want[i].empty() && i + 1 == got.size()
                          ? true
                          : got[i] == want[i]);
    }
  }
  KIVI_FUZZ_CHECK(sample == expected_values.size());
  return 0;
}
