#ifndef KIVI_INTEGRATION_HARNESS_BLACKHOLE_H_
#define KIVI_INTEGRATION_HARNESS_BLACKHOLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kivi::testing {

// A loopback port that takes no connection, as a server behind a dead
// route: connect() to it neither succeeds nor fails, it hangs until the
// caller's timeout. (A closed port is refused at once, which is not the
// same fault.) No firewall rule is needed: it is a listener with a backlog
// of 0 that never accepts, its accept queue filled by connections of its
// own; Linux drops the SYNs of a listener whose accept queue is full, so a
// further client stays in SYN_SENT. The destructor closes everything.
class Blackhole {
 public:
  // Listens on 127.0.0.1 (a free port) and fills the queue; Internal if a
  // test connection still gets through (the kernel did not drop it).
  static absl::StatusOr<std::unique_ptr<Blackhole>> Start();

  Blackhole(const Blackhole&) = delete;
  Blackhole& operator=(const Blackhole&) = delete;
  ~Blackhole();

  int port() const { return port_; }
  // "127.0.0.1:<port>".
  std::string address() const;

 private:
  Blackhole() = default;

  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_HARNESS_BLACKHOLE_H_
