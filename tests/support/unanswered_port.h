// A port on 127.0.0.1 where a TCP handshake never completes, so a client's
// connect() hangs until its own timeout: the way a firewalled or overloaded
// host looks from outside, reproduced on loopback without root.
//
// How: a socket listens with a backlog of 0 and never accepts; one filler
// connection occupies the whole accept queue. Linux then drops every further
// SYN (tcp_conn_request: "accept queue full"), and a dropped SYN is only
// retransmitted after 1 s, 3 s, ... instead of being refused.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace ocr::testing {

class UnansweredPort {
 public:
  UnansweredPort() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(0);
    socklen_t len = sizeof(addr);
    if (listener_ < 0 || bind(listener_, Sockaddr(addr), sizeof(addr)) != 0 ||
        listen(listener_, 0) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    // The first filler fills the queue; the second makes sure of it on
    // kernels that admit one more than the backlog.
    for (int i = 0; i < 2; ++i) fillers_.push_back(StartConnect());
    WaitConnected(fillers_[0], 2000);
  }
  ~UnansweredPort() {
    for (int fd : fillers_) {
      if (fd >= 0) close(fd);
    }
    if (listener_ >= 0) close(listener_);
  }
  UnansweredPort(const UnansweredPort&) = delete;
  UnansweredPort& operator=(const UnansweredPort&) = delete;

  int port() const { return port_; }

  // True when a fresh connection attempt indeed hangs (checked for
  // `wait_ms`): tests assert it, so a kernel that behaves differently shows
  // up as a clear failure instead of a confusing one.
  bool Verify(int wait_ms = 300) const {
    const int probe = StartConnect();
    const bool hangs = probe >= 0 && !WaitConnected(probe, wait_ms);
    if (probe >= 0) close(probe);
    return port_ != 0 && hangs;
  }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    return addr;
  }
  static const sockaddr* Sockaddr(const sockaddr_in& addr) {
    return reinterpret_cast<const sockaddr*>(&addr);
  }
  // A non-blocking connect, left pending.
  int StartConnect() const {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    const sockaddr_in addr = Loopback(port_);
    if (connect(fd, Sockaddr(addr), sizeof(addr)) != 0 &&
        errno != EINPROGRESS) {
      close(fd);
      return -1;
    }
    return fd;
  }
  // Whether the handshake of `fd` completed within `ms`.
  static bool WaitConnected(int fd, int ms) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, ms) != 1) return false;
    int error = 0;
    socklen_t len = sizeof(error);
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
           error == 0;
  }

  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

}  // namespace ocr::testing
