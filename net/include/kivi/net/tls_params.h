#ifndef KIVI_NET_TLS_PARAMS_H_
#define KIVI_NET_TLS_PARAMS_H_

// The TLS URL parameters, read alike by every networked backend.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kivi/net/tls_options.h"
#include "kivi/url.h"

namespace kivi::net {

// Reads tls, tls_ca, tls_cert, tls_key, tls_verify and tls_server_name
// from `params` into `*tls` (a scheme that implies TLS, such as rediss://,
// sets tls->enabled before the call). Returns InvalidArgument naming the
// parameter when one of the others is given while TLS is off, since
// ignoring it would connect in plaintext ("memcached:// parameter
// \"tls_ca\" needs tls=1"), or when tls_cert and tls_key are not given
// together. Malformed values are reported by params.Finish().
absl::Status ReadTlsParams(ParamReader& params, absl::string_view scheme,
                           TlsOptions* tls);

}  // namespace kivi::net

#endif  // KIVI_NET_TLS_PARAMS_H_
