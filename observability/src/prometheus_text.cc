#include "kivi/observability/prometheus_text.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kivi::observability {
namespace {

bool IsNameByte(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':' || (!first && c >= '0' && c <= '9');
}

// A metric or label name that parses: invalid bytes become '_'. Label
// names may not contain ':', which only matters for names kivi never uses.
std::string SafeName(absl::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) out.push_back('_');
  for (char c : name) out.push_back(IsNameByte(c, false) ? c : '_');
  return out;
}

std::string SafeLabelName(absl::string_view name) {
  std::string out = SafeName(name);
  for (char& c : out) {
    if (c == ':') c = '_';
  }
  return out;
}

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// Appends {a="x",b="y"} for `labels` plus `extra` (the le label), or
// nothing when both are empty.
void AppendLabels(const Labels& labels, absl::string_view extra_name,
                  absl::string_view extra_value, std::string* out) {
  if (labels.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  auto add = [&](absl::string_view name, absl::string_view value) {
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, SafeLabelName(name), "=\"", EscapeLabelValue(value),
                    "\"");
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out->push_back('}');
}

void AppendLine(absl::string_view name, absl::string_view suffix,
                const Labels& labels, absl::string_view extra_name,
                absl::string_view extra_value, absl::string_view value,
                std::string* out) {
  absl::StrAppend(out, name, suffix);
  AppendLabels(labels, extra_name, extra_value, out);
  absl::StrAppend(out, " ", value, "\n");
}

}  // namespace

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) <= 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  // The shortest of 15 or 17 digits that reads back as the same double.
  std::string text = absl::StrFormat("%.15g", value);
  if (std::strtod(text.c_str(), nullptr) != value) {
    text = absl::StrFormat("%.17g", value);
  }
  return text;
}

std::string RenderPrometheusText(absl::Span<const MetricFamily> families) {
  std::string out;
  for (const MetricFamily& family : families) {
    const std::string name = SafeName(family.name);
    absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(family.help), "\n",
                    "# TYPE ", name, " ", TypeName(family.type), "\n");
    if (family.type != MetricType::kHistogram) {
      for (const Sample& sample : family.samples) {
        AppendLine(name, "", sample.labels, "", "", FormatValue(sample.value),
                   &out);
      }
      continue;
    }
    for (const HistogramSample& h : family.histograms) {
      for (size_t i = 0; i < family.bounds.size(); ++i) {
        const uint64_t count =
            i < h.bucket_counts.size() ? h.bucket_counts[i] : h.count;
        AppendLine(name, "_bucket", h.labels, "le",
                   FormatValue(family.bounds[i]), absl::StrCat(count), &out);
      }
      AppendLine(name, "_bucket", h.labels, "le", "+Inf", absl::StrCat(h.count),
                 &out);
      AppendLine(name, "_sum", h.labels, "", "", FormatValue(h.sum), &out);
      AppendLine(name, "_count", h.labels, "", "", absl::StrCat(h.count), &out);
    }
  }
  return out;
}

}  // namespace kivi::observability
