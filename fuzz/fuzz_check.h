#ifndef KIVI_FUZZ_FUZZ_CHECK_H_
#define KIVI_FUZZ_FUZZ_CHECK_H_

// The one assertion the fuzz targets use: a property a parser or codec
// promises (not merely "does not crash") that the input broke. Aborts, so
// libFuzzer records the input as a crash and saves it for reproduction.

#include <cstdio>
#include <cstdlib>

#define KIVI_FUZZ_CHECK(condition)                                     \
  do {                                                                 \
    if (!(condition)) {                                                \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, \
                   __LINE__, #condition);                              \
      std::abort();                                                    \
    }                                                                  \
  } while (false)

#endif  // KIVI_FUZZ_FUZZ_CHECK_H_
