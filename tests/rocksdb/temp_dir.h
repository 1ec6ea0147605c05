#ifndef KIVI_TESTS_ROCKSDB_TEMP_DIR_H_
#define KIVI_TESTS_ROCKSDB_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace kivi::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it
// when destroyed. Aborts the test program if none can be made.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kivi-rocksdb-XXXXXX")
            .string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }
  // A path inside the directory, e.g. for a database: path()/name.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace kivi::testing

#endif  // KIVI_TESTS_ROCKSDB_TEMP_DIR_H_
