#ifndef KIVI_BACKENDS_REDIS_SRC_GREETING_H_
#define KIVI_BACKENDS_REDIS_SRC_GREETING_H_

// What every new connection to a Redis node says first, run by kivi::net
// before the connection is used: one pipelined write of
//   AUTH [user] password   (when a password is configured)
//   HELLO 3                (RESP3; a server that refuses it stays on RESP2,
//                           which the parser reads as well)
//   SELECT db              (when db is not 0)

#include <functional>
#include <memory>
#include <string>

#include "kivi/net/connection.h"

namespace kivi::redis {

struct GreetingOptions {
  std::string user;  // Empty: AUTH with the password only ("default").
  std::string password;
  int db = 0;
};

// A greeting factory for net::ConnectOptions::greeting. Its Finish is
// Unauthenticated naming the node (and the user) when the credentials are
// refused, and Unavailable for any other refusal (SELECT out of range
// included, naming the database).
std::function<std::unique_ptr<net::Greeting>()> HelloGreeting(
    GreetingOptions options);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_GREETING_H_
