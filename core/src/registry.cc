#include "kivi/registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kivi/key_rules.h"

namespace kivi {

absl::Status BackendRegistry::Register(absl::string_view scheme,
                                       BackendFactory factory) {
  if (!factories_.emplace(std::string(scheme), std::move(factory)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("backend scheme \"", scheme, "\" is already registered"));
  }
  return absl::OkStatus();
}

std::vector<std::string> BackendRegistry::schemes() const {
  std::vector<std::string> out;
  for (const auto& [scheme, factory] : factories_) out.push_back(scheme);
  return out;
}

absl::StatusOr<std::unique_ptr<Client>> BackendRegistry::Open(
    absl::string_view url, const OpenOptions& open_options) const {
  absl::StatusOr<BackendUrl> parsed = BackendUrl::Parse(url);
  if (!parsed.ok()) return parsed.status();
  auto it = factories_.find(parsed->scheme);
  if (it == factories_.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown backend scheme \"", parsed->scheme,
        "://\" (known: ", absl::StrJoin(schemes(), "://, "), "://)"));
  }

  ClientOptions options;
  ParamReader params(*parsed);
  params.String("namespace", &options.key_namespace);
  params.Duration("default_ttl", &options.default_ttl);
  uint64_t max_value_bytes = options.max_value_bytes;
  params.Bytes("max_value_bytes", &max_value_bytes);
  options.max_value_bytes = max_value_bytes;
  params.Int("async_threads", &options.executor.threads, /*min=*/1,
             /*max=*/1024);
  int64_t async_queue = static_cast<int64_t>(options.executor.max_queued);
  params.Int("async_queue", &async_queue, /*min=*/1, /*max=*/1 << 24);
  options.executor.max_queued = static_cast<size_t>(async_queue);
  if (absl::Status s =
          ValidateDelay("parameter \"default_ttl\"", options.default_ttl);
      !s.ok()) {
    return s;
  }
  if (!options.key_namespace.empty()) {
    // The namespace is part of every key, so it obeys the key rules.
    if (absl::Status s =
            ValidateKey(options.key_namespace, options.key_namespace);
        !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter \"namespace\": ", s.message()));
    }
    if (options.key_namespace.size() >= kMaxKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter \"namespace\" is ", options.key_namespace.size(),
          " bytes; it must leave room for keys under the ", kMaxKeyBytes,
          "-byte limit"));
    }
  }

  absl::StatusOr<std::unique_ptr<Backend>> backend =
      it->second(*parsed, options, params);
  if (!backend.ok()) return backend.status();
  // Factories call Finish themselves before starting anything; this second
  // look guarantees an unknown parameter is never silently ignored.
  if (absl::Status s = params.Finish(); !s.ok()) return s;
  options.observer = open_options.observer;
  options.backend_name = parsed->scheme;
  return std::make_unique<Client>(*std::move(backend), std::move(options));
}

}  // namespace kivi
