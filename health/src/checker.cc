#include "kivi/health/checker.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kivi {

absl::StatusOr<std::unique_ptr<HealthChecker>> HealthChecker::Start(
    Probe probe, const HealthCheckerOptions& options, Listener listener) {
  if (options.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("health interval must be positive");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("health timeout must be positive");
  }
  if (options.failure_threshold < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("health failure_threshold must be at least 1, got ",
                     options.failure_threshold));
  }
  if (options.success_threshold < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("health success_threshold must be at least 1, got ",
                     options.success_threshold));
  }
  std::unique_ptr<HealthChecker> checker(
      new HealthChecker(std::move(probe), options, std::move(listener)));
  checker->thread_ = std::thread([c = checker.get()] { c->Run(); });
  return checker;
}

HealthChecker::HealthChecker(Probe probe, const HealthCheckerOptions& options,
                             Listener listener)
    : probe_(std::move(probe)),
      options_(options),
      listener_(std::move(listener)) {}

HealthChecker::~HealthChecker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool HealthChecker::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_;
}

HealthReport HealthChecker::last_report() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

bool HealthChecker::WaitFor(bool serving, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, serving]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return serving_ == serving;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

void HealthChecker::Run() {
  absl::Time next = absl::Now();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto stop = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithDeadline(absl::Condition(&stop), next)) return;
    }
    next = absl::Now() + options_.interval;

    HealthReport report = probe_(options_.timeout);
    bool changed = false;
    bool serving = false;
    bool first_failure = false;
    {
      absl::MutexLock lock(&mu_);
      if (report.ok()) {
        ++consecutive_good_;
        consecutive_bad_ = 0;
        if (!serving_ && consecutive_good_ >= options_.success_threshold) {
          serving_ = changed = true;
        }
      } else {
        ++consecutive_bad_;
        consecutive_good_ = 0;
        first_failure = consecutive_bad_ == 1;
        if (serving_ && consecutive_bad_ >= options_.failure_threshold) {
          serving_ = false;
          changed = true;
        }
      }
      serving = serving_;
      last_ = report;
    }
    if (first_failure && !changed) {
      // The first failure of a run says why, even when the verdict does not
      // move: a checker that starts NOT_SERVING against a backend it cannot
      // reach would otherwise never say a word.
      absl::FPrintF(stderr,
                    "kivi health checker: probe failed (still %s; %d "
                    "consecutive failures turn it NOT_SERVING)\n%s",
                    serving ? "SERVING" : "NOT_SERVING",
                    options_.failure_threshold, report.ToString());
    }
    if (changed) {
      // Each transition is logged once, with the evidence.
      absl::FPrintF(stderr, "kivi health checker: %s\n%s",
                    serving ? "SERVING" : "NOT_SERVING", report.ToString());
      if (listener_) listener_(serving, report);
    }
  }
}

}  // namespace kivi
