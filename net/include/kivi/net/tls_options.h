#ifndef KIVI_NET_TLS_OPTIONS_H_
#define KIVI_NET_TLS_OPTIONS_H_

// TLS settings every networked backend takes alike, under the same URL
// parameter names (tls, tls_ca, tls_cert, tls_key, tls_verify,
// tls_server_name), so that
// memcached:// and redis:// never differ in how TLS is asked for. Kept apart
// from tls.h so that a public backend header does not pull in OpenSSL.

#include <string>

namespace kivi::net {

struct TlsOptions {
  // Connect over TLS. URL parameter "tls" (a scheme such as rediss:// may
  // imply it).
  bool enabled = false;
  // PEM file of the CA that signed the servers' certificates; empty: the
  // system's default trust store. URL parameter "tls_ca".
  std::string ca_file;
  // Client certificate and key (PEM) for servers that require one; both or
  // neither. URL parameters "tls_cert" and "tls_key".
  std::string cert_file;
  std::string key_file;
  // Verify the server's certificate: its chain up to a trusted CA, and that
  // it was issued for the name connected to (a DNS name, or an IP address
  // in its subject alternative names). URL parameter "tls_verify"; off, any
  // certificate is accepted, which defeats TLS against an active attacker.
  bool verify = true;
  // The name the server's certificate must carry, and the SNI name sent
  // (unless an IP address, which SNI cannot carry); empty: each server's
  // host as written in the URL. For servers addressed by IP whose
  // certificates name a host. URL parameter "tls_server_name".
  std::string server_name;
};

}  // namespace kivi::net

#endif  // KIVI_NET_TLS_OPTIONS_H_
