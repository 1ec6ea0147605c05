#ifndef KIVI_BENCH_PROFILE_H_
#define KIVI_BENCH_PROFILE_H_

namespace kivi_bench {

// Profile mode runs a fixed number of one operation on one thread, with no
// timing machinery, for tools that count: callgrind (instructions),
// memcheck (allocations), strace -c (system calls). bench/run.sh runs it
// twice with different counts and divides the difference by the difference
// in counts, so start-up and connection set-up cancel out.
bool ProfileRequested();
int RunProfile();

}  // namespace kivi_bench

#endif  // KIVI_BENCH_PROFILE_H_
