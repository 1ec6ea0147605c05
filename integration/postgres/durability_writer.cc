// The writer of the durability test, a process of its own so that what it
// was told is all the test knows: Sets keys "d:0".."d:<count-1>" in order,
// one at a time, and prints one line per write, flushed before the next:
//   ok <i>            the write was acknowledged
//   fail <i> <code>   the write reported a failure
// Usage: kivi_postgres_durability_writer URL COUNT

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kivi/kivi.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s URL COUNT\n", argv[0]);
    return 2;
  }
  absl::StatusOr<std::unique_ptr<kivi::Client>> kv = kivi::Open(argv[1]);
  if (!kv.ok()) {
    std::fprintf(stderr, "open: %s\n", kv.status().ToString().c_str());
    return 1;
  }
  const int count = std::atoi(argv[2]);
  for (int i = 0; i < count; ++i) {
    const std::string key = absl::StrCat("d:", i);
    const absl::Status s = (*kv)->Set(key, absl::StrCat("value of ", key));
    if (s.ok()) {
      std::printf("ok %d\n", i);
    } else {
      std::printf("fail %d %s\n", i,
                  absl::StatusCodeToString(s.code()).c_str());
      absl::SleepFor(absl::Milliseconds(5));  // The server is restarting.
    }
    std::fflush(stdout);
  }
  return 0;
}
