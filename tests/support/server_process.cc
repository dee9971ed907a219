#include "support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ocr::testing {

ServerProcess::ServerProcess(std::string binary, std::vector<std::string> args,
                             std::vector<std::string> env,
                             std::string port_flag, int port) {
  char templ[] = "/tmp/ocr-test-XXXXXX";
  if (mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  port_file_ = dir_ + "/port";
  log_file_ = dir_ + "/stderr.log";
  args.insert(args.begin(), binary);
  args.push_back(port_flag + "=" + std::to_string(port));
  args.push_back("--port-file=" + port_file_);
  // The model server also serves gRPC: on any free port too, unless the
  // test chose one, so servers started side by side never collide on 8081.
  if (port_flag == "--http-port") {
    bool chosen = false;
    for (const auto& a : args) chosen |= a.rfind("--grpc-port", 0) == 0;
    if (!chosen) {
      grpc_port_file_ = dir_ + "/grpc_port";
      args.push_back("--grpc-port=0");
      args.push_back("--grpc-port-file=" + grpc_port_file_);
    }
  }

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int fd = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    for (const auto& kv : env) {
      if (!kv.empty() && kv[0] == '-') {
        unsetenv(kv.c_str() + 1);
      } else {
        putenv(const_cast<char*>(kv.c_str()));
      }
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ServerProcess::WaitReady(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file_);
    int port = 0;
    if (in >> port && port > 0) {
      port_ = port;
      // Written before the HTTP port file.
      std::ifstream grpc(grpc_port_file_);
      if (!grpc_port_file_.empty()) grpc >> grpc_port_;
      return true;
    }
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
      exited_ = true;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void ServerProcess::Signal(int signal_number) {
  if (pid_ > 0 && !exited_) kill(pid_, signal_number);
}

std::optional<int> ServerProcess::WaitExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (exited_ || std::chrono::steady_clock::now() < deadline) {
    if (exited_ || waitpid(pid_, &status_, WNOHANG) == pid_) {
      exited_ = true;
      if (WIFSIGNALED(status_)) {
        signaled_ = true;
        return std::nullopt;
      }
      return WEXITSTATUS(status_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ocr::testing
