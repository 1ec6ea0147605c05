#ifndef KIVI_BENCH_REDIS_MUX_SECTION_H_
#define KIVI_BENCH_REDIS_MUX_SECTION_H_

#include <string>

#include "absl/time/time.h"

namespace kivi_bench {

// The "mux" section's redis rows: issue 12's goals for redis:// on
// multiplexed connections, side by side on one redis-server `server`
// (backend "redis-1"):
//  (a) 64 threads, mix90_10 (Get with 10% Set), 32-byte values: kivi with
//      at most 4 connections (mux_conns=4&max_conns=4) against hiredis with
//      one redisContext (connection) per thread, and kivi without
//      multiplexing (mux_conns=0, max_conns=64) for reference;
//  (b) one thread keeping 128 asynchronous Gets in flight against the same
//      client's synchronous Gets, in alternating rounds;
//  (c) one thread, get_hit: kivi's synchronous Get against the raw-socket
//      floor (RESP written by hand, one blocking socket).
// Emits "result" and "ratio" lines with "section": "mux".
void RunRedisMuxSection(const std::string& server, int rounds,
                        absl::Duration duration, absl::Time deadline);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_REDIS_MUX_SECTION_H_
