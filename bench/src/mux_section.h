#ifndef KIVI_BENCH_MUX_SECTION_H_
#define KIVI_BENCH_MUX_SECTION_H_

#include <string>

#include "absl/time/time.h"
#include "src/runner.h"

namespace kivi_bench {

// The "mux" section: issue 12's goals for memcached:// on multiplexed
// connections, side by side on one memcached server `server`:
//  (a) 64 threads, mix90_10 (Get with 10% Set), 32-byte values: kivi with
//      at most 4 connections (mux_conns=4&max_conns=4) against libmemcached
//      with one connection per caller (one memcached_st per thread, which
//      is what memcached_pool_st hands each caller), and kivi without
//      multiplexing (mux_conns=0, max_conns=64) for reference;
//  (b) one thread keeping 128 asynchronous Gets in flight against the same
//      thread's synchronous Gets, in alternating rounds;
//  (c) one thread, get_hit: kivi's synchronous Get against the raw-socket
//      floor.
// Emits "result" and "ratio" lines with "section": "mux".
void RunMuxSection(const std::string& server, int rounds,
                   absl::Duration duration, absl::Time deadline);

// Row (b) on any store: kivi at `url` (whose store holds `data`'s 32-byte
// values), one thread, synchronous Gets against 128 asynchronous Gets kept
// in flight, in alternating rounds; "result" and "ratio" lines for
// `backend`.
void RunAsyncDepth(const std::string& url, const std::string& backend,
                   const Dataset& data, int rounds, absl::Duration duration);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_MUX_SECTION_H_
