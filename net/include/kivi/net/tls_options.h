#ifndef KIVI_NET_TLS_OPTIONS_H_
#define KIVI_NET_TLS_OPTIONS_H_

// TLS settings every networked backend takes alike, under the same URL
// parameter names (tls, tls_ca, tls_cert, tls_key, tls_verify), so that
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
  // Verify the server's certificate chain. URL parameter "tls_verify".
  bool verify = true;
};

}  // namespace kivi::net

#endif  // KIVI_NET_TLS_OPTIONS_H_
