#ifndef KIVI_BENCH_REPORT_ISSUE12_H_
#define KIVI_BENCH_REPORT_ISSUE12_H_

#include <string>

#include "src/report_tables.h"

namespace kivi_bench {

// Markdown: issue 12's goals (many callers on few connections, calls in
// flight on one thread, the single caller's cost, memory:// scaling,
// grpc:// under many callers), one row each, with the rates the ratio is
// made of and the connections each client used. A goal whose rows are
// missing from the run reads "not measured", never met.
std::string Issue12GoalTable(const Results& results);

// mux64.dat, for bench/plot.gp: Get + 10% Set of 32 B values from 64
// threads on one server, ops/s per server (memcached, redis) and client
// (kivi multiplexed on 4 connections, kivi with a connection per thread,
// the C library with a connection per thread).
void WriteMuxData(const Results& results, const std::string& path);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_REPORT_ISSUE12_H_
