#include "test_certificates.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace kivi::testing {
namespace {

// Runs `openssl args...` in `dir`, its output into dir/openssl.log.
absl::Status OpenSsl(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  const std::string log = dir + "/openssl.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid;
  const int spawned =
      posix_spawnp(&pid, "openssl", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return absl::InternalError("cannot run openssl: is it installed?");
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    const std::string output((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    return absl::InternalError(absl::StrCat(
        "openssl ", absl::StrJoin(args, " "), " failed:\n", output));
  }
  return absl::OkStatus();
}

// A self-signed CA: <name>.pem and <name>.key.
absl::Status MakeCa(const std::string& dir, const std::string& name) {
  return OpenSsl(
      dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
            "/CN=" + name, "-keyout", dir + "/" + name + ".key", "-out",
            dir + "/" + name + ".pem"});
}

// <name>.pem and <name>.key, signed by CA <ca>, with the extensions in
// <extensions>.
absl::Status MakeLeaf(const std::string& dir, const std::string& name,
                      const std::string& ca, const std::string& extensions) {
  const std::string base = dir + "/" + name;
  absl::Status status = OpenSsl(
      dir, {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-subj", "/CN=" + name, "-keyout", base + ".key", "-out",
            base + ".csr"});
  if (!status.ok()) return status;
  const std::string ext_file = base + ".ext";
  std::ofstream(ext_file) << extensions << "\n";
  return OpenSsl(dir, {"x509", "-req", "-in", base + ".csr", "-CA",
                       dir + "/" + ca + ".pem", "-CAkey",
                       dir + "/" + ca + ".key", "-CAcreateserial", "-days", "1",
                       "-extfile", ext_file, "-out", base + ".pem"});
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestCertificates>> TestCertificates::Create() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "kivi-tls-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("cannot create a temporary directory");
  }
  std::unique_ptr<TestCertificates> certs(new TestCertificates(pattern));
  const std::string& dir = certs->dir_;
  for (absl::Status status :
       {MakeCa(dir, "ca"), MakeCa(dir, "rogue-ca"),
        MakeLeaf(dir, "server", "ca",
                 "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                 "extendedKeyUsage=serverAuth"),
        OpenSsl(dir, {"pkey", "-in", dir + "/server.key", "-aes256", "-passout",
                      "pass:kivi-test", "-out", dir + "/server-encrypted.key"}),
        MakeLeaf(dir, "client", "ca", "extendedKeyUsage=clientAuth"),
        MakeLeaf(dir, "rogue-client", "rogue-ca",
                 "extendedKeyUsage=clientAuth")}) {
    if (!status.ok()) return status;
  }
  certs->WriteFile("not.pem", "this is not a certificate\n");
  return certs;
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestCertificates::WriteFile(const std::string& name,
                                        const std::string& content) const {
  const std::string path = Path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace kivi::testing
