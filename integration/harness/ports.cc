#include "integration/harness/ports.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace kivi::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// The inode of the socket listening on 127.0.0.1:`port`, from /proc/net/tcp
// (rows "sl local_address rem_address st ... inode", addresses in hex as
// the kernel stores them), or empty.
std::string ListeningInode(int port) {
  std::ifstream table("/proc/net/tcp");
  // The kernel prints the address as the in-memory (network order) word in
  // host order, and the port in host order, both in upper-case hex.
  const std::string local =
      absl::StrFormat("%08X:%04X", htonl(INADDR_LOOPBACK), port);
  std::string line;
  while (std::getline(table, line)) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 10) continue;
    // State 0A is LISTEN.
    if (fields[1] == local && fields[3] == "0A") {
      return std::string(fields[9]);
    }
  }
  return "";
}

}  // namespace

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = Loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

absl::StatusOr<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string error = std::strerror(errno);
    ::close(fd);
    return absl::InternalError(absl::StrCat("FreePort: ", error));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool PortIsFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(port);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return free;
}

bool PortAcceptsConnections(int port) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool ServerAnswersOnPort(int port) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return false;
  static constexpr char kRequest[] = "version\r\n";
  bool answered = false;
  if (::send(fd, kRequest, sizeof(kRequest) - 1, MSG_NOSIGNAL) ==
      static_cast<ssize_t>(sizeof(kRequest) - 1)) {
    // Any bytes, an orderly close or a reset are all the server's doing.
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    answered = ::poll(&p, 1, /*timeout_ms=*/2000) == 1;
  }
  ::close(fd);
  return answered;
}

bool ProcessListensOn(pid_t pid, int port) {
  const std::string inode = ListeningInode(port);
  if (inode.empty()) return false;
  const std::string fds = absl::StrCat("/proc/", pid, "/fd");
  const std::string wanted = absl::StrCat("socket:[", inode, "]");
  DIR* dir = ::opendir(fds.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  while (dirent* entry = ::readdir(dir)) {
    char target[64];
    const std::string path = absl::StrCat(fds, "/", entry->d_name);
    const ssize_t n = ::readlink(path.c_str(), target, sizeof(target));
    if (n > 0 && absl::string_view(target, n) == wanted) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

}  // namespace kivi::testing
