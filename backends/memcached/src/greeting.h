#ifndef KIVI_BACKENDS_MEMCACHED_SRC_GREETING_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_GREETING_H_

// memcached's ASCII authentication (server started with -Y), run by
// kivi::net on every new connection before it is used.

#include <functional>
#include <memory>
#include <string>

#include "kivi/net/connection.h"

namespace kivi::memcached {

// A greeting factory for net::ConnectOptions::greeting that authenticates
// as `user`. The greeting's Finish is Unauthenticated naming the server and
// the user when the server refuses the credentials, Unavailable for any
// other reply.
std::function<std::unique_ptr<net::Greeting>()> AuthGreeting(
    std::string user, std::string password);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_GREETING_H_
