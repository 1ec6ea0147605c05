// kivi-rocksdb-writer: the child process of the rocksdb durability and
// lock tests.
//
//   kivi-rocksdb-writer write URL   writes keys k0, k1, ... (every tenth step
//                                   a BatchSet of five more) and prints each
//                                   key on its own line once its write is
//                                   acknowledged, until killed
//   kivi-rocksdb-writer hold URL    opens URL, prints "ready", waits to be
//                                   killed
//
// Exits 1 with the error on stderr when URL cannot be opened or a write
// fails.

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "integration/rocksdb/durable_value.h"
#include "kivi/kivi.h"

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  return 1;
}

void Acknowledge(const std::string& key) {
  std::printf("%s\n", key.c_str());
  std::fflush(stdout);
}

int Write(kivi::Client& kv) {
  for (int i = 0;; ++i) {
    const std::string key = absl::StrCat("k", i);
    if (absl::Status s = kv.Set(key, kivi::testing::DurableValue(key));
        !s.ok()) {
      return Fail(s);
    }
    Acknowledge(key);
    if (i % 10 != 0) continue;
    std::vector<kivi::KeyValue> batch;
    for (int j = 0; j < 5; ++j) {
      const std::string batch_key = absl::StrCat("b", i, ".", j);
      batch.push_back({batch_key, kivi::testing::DurableValue(batch_key)});
    }
    absl::StatusOr<kivi::BatchWriteResult> written = kv.BatchSet(batch);
    if (!written.ok()) return Fail(written.status());
    if (!written->ok()) return Fail(written->failed.begin()->second);
    for (const kivi::KeyValue& entry : batch) Acknowledge(entry.key);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "write") != 0 &&
                    std::strcmp(argv[1], "hold") != 0)) {
    std::fprintf(stderr, "usage: %s write|hold URL\n", argv[0]);
    return 2;
  }
  absl::StatusOr<std::unique_ptr<kivi::Client>> kv = kivi::Open(argv[2]);
  if (!kv.ok()) return Fail(kv.status());
  if (std::strcmp(argv[1], "write") == 0) return Write(**kv);
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) ::pause();
}
