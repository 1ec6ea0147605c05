#ifndef KIVI_INTEGRATION_PROXY_FAULT_PROXY_H_
#define KIVI_INTEGRATION_PROXY_FAULT_PROXY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kivi::testing {

// A loopback TCP proxy that a test puts between a client and a real server
// (kivi and memcached) to inject the faults a healthy server never makes:
// slow or stalled replies, dropped connections, replies cut short, garbage
// in the middle of a reply.
//
// Faults act on the server-to-client direction (replies) and on the
// connections; requests always reach the server unchanged, so a reply the
// client gave up on may still be produced (and, after a stall, delivered)
// later, which is exactly what a client must never mistake for the reply to
// a later request.
//
// A setter returns once the fault is in force: it applies to connections
// accepted and reply bytes read from the server from then on; byte counts
// (Truncate, InjectGarbage) start at zero, per connection, each time a fault is
// set. Pass() ends any fault.
//
// Thread-safe: one internal thread moves the bytes; the setters and
// counters may be called from any thread. The destructor closes every
// connection.
class FaultProxy {
 public:
  // What the proxy has seen, for tests that check a client discarded a
  // connection it could no longer trust.
  struct Counters {
    int64_t accepted = 0;          // Client connections accepted.
    int64_t open = 0;              // Client connections open now.
    int64_t closed_by_client = 0;  // Closed first by the client.
    int64_t closed_by_proxy = 0;   // Closed by a fault (or the server).
    int64_t bytes_to_server = 0;   // Request bytes forwarded.
    int64_t bytes_to_client = 0;   // Reply bytes forwarded (garbage too).
  };

  // Listens on a free 127.0.0.1 port and forwards every connection to
  // 127.0.0.1:`upstream_port`. Internal if the listening socket fails.
  static absl::StatusOr<std::unique_ptr<FaultProxy>> Start(int upstream_port);

  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;
  ~FaultProxy();

  int port() const { return port_; }
  // "127.0.0.1:<port>", the address to give the client.
  std::string address() const;

  // Forwards everything unchanged (the initial state). Replies held by
  // Stall or Delay are released.
  void Pass();
  // Holds each reply chunk for `delay` before forwarding it.
  void Delay(absl::Duration delay);
  // Stops forwarding replies; connections stay open and requests still
  // reach the server.
  void Stall();
  // Resets (RST) every open connection, and every new one at once until
  // the fault ends: the server looks dead to the client.
  void Drop();
  // On every connection, forwards the next `keep` reply bytes, then closes
  // the connection (FIN to the client, after the kept bytes).
  void Truncate(size_t keep);
  // On every connection, forwards the next `after` reply bytes, then
  // `garbage`, then the rest of the reply stream unchanged (once per
  // connection per call).
  void InjectGarbage(std::string garbage, size_t after);

  Counters counters() const;

 private:
  enum class Mode { kPass, kDelay, kStall, kDrop, kTruncate, kGarbage };
  struct Fault {
    Mode mode = Mode::kPass;
    // Bumped by every setter, so connections restart their byte counts.
    uint64_t epoch = 0;
    absl::Duration delay;
    size_t bytes = 0;  // Truncate: keep; garbage: after.
    std::string garbage;
  };
  struct Pair;
  class Loop;

  FaultProxy(int listener, int port, int upstream_port, int wake_read,
             int wake_write);
  void SetFault(Mode mode, absl::Duration delay, size_t bytes,
                std::string garbage);
  void Wake();

  const int listener_;
  const int port_;
  const int upstream_port_;
  const int wake_read_;
  const int wake_write_;

  mutable absl::Mutex mu_;
  Fault fault_ ABSL_GUARDED_BY(mu_);
  uint64_t applied_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  Counters counters_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_PROXY_FAULT_PROXY_H_
