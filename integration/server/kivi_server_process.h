#ifndef KIVI_INTEGRATION_SERVER_KIVI_SERVER_PROCESS_H_
#define KIVI_INTEGRATION_SERVER_KIVI_SERVER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "subprocess.h"

namespace kivi::testing {

// The kivi-server binary run as a child, listening on a free loopback port
// unless `args` say otherwise. Destroying it kills it (SIGKILL).
class KiviServerProcess {
 public:
  // Starts kivi-server with `args` (plus --listen=127.0.0.1:0 when `args`
  // has no --listen) and waits for its "listening on" line. Internal with
  // the server's output when it exits or stays silent instead.
  static absl::StatusOr<std::unique_ptr<KiviServerProcess>> Start(
      std::vector<std::string> args);

  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  Subprocess& process() { return *process_; }

 private:
  KiviServerProcess(std::unique_ptr<Subprocess> process, std::string address)
      : process_(std::move(process)), address_(std::move(address)) {}

  std::unique_ptr<Subprocess> process_;
  std::string address_;
};

// Runs kivi-server with `args` to completion (for servers that must refuse
// to start).
ProcessResult RunKiviServer(std::vector<std::string> args);

// Runs the kivi tool with `args` to completion.
ProcessResult RunKivi(std::vector<std::string> args);

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_SERVER_KIVI_SERVER_PROCESS_H_
