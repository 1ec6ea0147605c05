// Connection setup: TCP connect (each resolved address in turn), TLS
// handshake, greeting, as a state machine that never blocks, so that
// RunExchanges connects to many servers in one poll loop; Open drives the
// same machine with waits.

#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kivi/net/connection.h"
#include "kivi/status_macros.h"

namespace kivi::net {

absl::StatusOr<std::unique_ptr<Connection>> Connection::Start(
    const Endpoint& endpoint, const ConnectOptions& options,
    absl::Time deadline) {
  std::unique_ptr<Connection> conn(
      new Connection(endpoint.ToString(), options.label));
  KIVI_ASSIGN_OR_RETURN(conn->addresses_, Resolve(endpoint, conn->peer_));
  conn->phase_ = Phase::kTcp;
  conn->connect_deadline_ =
      std::min(deadline, absl::Now() + options.connect_timeout);
  conn->host_ = endpoint.host;
  conn->tls_ = options.tls;
  conn->blocking_read_timeout_ = options.blocking_read_timeout;
  if (options.greeting != nullptr) conn->greeting_ = options.greeting();
  KIVI_RETURN_IF_ERROR(conn->ConnectFrom(0, absl::OkStatus()));
  return conn;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const Endpoint& endpoint, const ConnectOptions& options,
    absl::Time deadline) {
  KIVI_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                        Start(endpoint, options, deadline));
  while (true) {
    KIVI_ASSIGN_OR_RETURN(short events, conn->Establish());
    if (events == 0) return conn;
    KIVI_RETURN_IF_ERROR(WaitReady(conn->fd(), events, conn->connect_deadline_,
                                   conn->peer_, conn->SetupStep()));
  }
}

absl::string_view Connection::SetupStep() const {
  switch (phase_) {
    case Phase::kTcp:
      return "connecting";
    case Phase::kTls:
      return "in the TLS handshake";
    default:
      return "waiting for the reply to the connection's greeting";
  }
}

absl::Status Connection::ConnectFrom(size_t i, absl::Status last) {
  for (; i < addresses_.size(); ++i) {
    absl::StatusOr<UniqueFd> fd = StartConnect(addresses_[i], peer_);
    if (fd.ok()) {
      fd_ = *std::move(fd);
      address_ = i;
      return absl::OkStatus();
    }
    last = fd.status();
  }
  return Broken(std::move(last));
}

absl::StatusOr<short> Connection::Establish() {
  if (absl::Now() >= connect_deadline_) {
    return Broken(absl::DeadlineExceededError(
        absl::StrCat(peer_, ": timed out ", SetupStep())));
  }
  while (true) {
    switch (phase_) {
      case Phase::kTcp: {
        absl::StatusOr<bool> done = ConnectDone(fd_.get(), peer_);
        if (!done.ok()) {
          // Refused or unreachable: the host's next address, if any.
          KIVI_RETURN_IF_ERROR(ConnectFrom(address_ + 1, done.status()));
          continue;
        }
        if (!*done) return POLLOUT;
        addresses_.clear();
        phase_ = tls_ != nullptr ? Phase::kTls : Phase::kGreeting;
        continue;
      }
      case Phase::kTls: {
        short want = 0;
        KIVI_ASSIGN_OR_RETURN(bool done, StepTls(&want));
        if (!done) return want;
        phase_ = Phase::kGreeting;
        continue;
      }
      case Phase::kGreeting: {
        if (greeting_ == nullptr) {
          KIVI_RETURN_IF_ERROR(BecomeReady());
          return 0;
        }
        short want = POLLIN;
        KIVI_ASSIGN_OR_RETURN(bool done, StepGreeting(&want));
        if (!done) return want;
        KIVI_RETURN_IF_ERROR(BecomeReady());
        return 0;
      }
      case Phase::kReady:
        return 0;
    }
  }
}

absl::StatusOr<bool> Connection::StepTls(short* want) {
  if (ssl_ == nullptr) {
    ERR_clear_error();
    ssl_ = SSL_new(tls_->get());
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_.get()) != 1) {
      return Broken(absl::InternalError(
          absl::StrCat(peer_, ": TLS setup: ", TakeTlsErrors())));
    }
    if (absl::Status s = tls_->PrepareConnection(ssl_, host_, peer_); !s.ok()) {
      return Broken(std::move(s));
    }
  }
  const int rc = SSL_connect(ssl_);
  if (rc == 1) return true;
  const int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    *want = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    return false;
  }
  std::string why = TakeTlsErrors();
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    why = absl::StrCat("certificate verification failed: ",
                       X509_verify_cert_error_string(verify));
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH ||
        verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      absl::StrAppend(&why, " (the certificate is not for \"",
                      tls_->ExpectedName(host_),
                      "\"; parameter tls_server_name names the expected "
                      "name)");
    }
  }
  return Broken(absl::UnavailableError(
      absl::StrCat(peer_, ": TLS handshake failed: ", why)));
}

absl::StatusOr<bool> Connection::StepGreeting(short* want) {
  if (!greeting_sent_) {
    greeting_sent_ = true;
    held_request_.swap(out_);
    greeting_->Encode(&out_);
  }
  KIVI_RETURN_IF_ERROR(WriteSome(want));
  if (!out_.empty()) return false;
  while (true) {
    const size_t before = in_end_ - in_begin_;
    const absl::Status read_status = ReadSome(want, /*block=*/false);
    KIVI_ASSIGN_OR_RETURN(bool done, Feed(*greeting_));
    if (done) {
      // One request in flight: a byte after the greeting's reply was never
      // asked for.
      if (in_begin_ != in_end_) {
        return Broken(absl::UnavailableError(
            absl::StrCat(peer_, ": unexpected bytes after the reply")));
      }
      if (absl::Status s = greeting_->Finish(peer_); !s.ok()) {
        return Broken(std::move(s));
      }
      return true;
    }
    KIVI_RETURN_IF_ERROR(read_status);
    if (in_end_ - in_begin_ == before) return false;
  }
}

absl::Status Connection::BecomeReady() {
  phase_ = Phase::kReady;
  connect_deadline_ = absl::InfiniteFuture();
  if (greeting_ != nullptr) {
    greeting_.reset();
    out_.swap(held_request_);
    held_request_.clear();
  }
  tls_.reset();
  // TLS keeps a non-blocking socket: OpenSSL reads whole records, and a
  // blocking SSL_read could not be bounded per call.
  if (ssl_ == nullptr && blocking_read_timeout_ > absl::ZeroDuration()) {
    return EnableBlockingReads(blocking_read_timeout_);
  }
  return absl::OkStatus();
}

}  // namespace kivi::net
