// Runs a built server binary as a child process on an ephemeral port, the
// way a user or Kubernetes would, and waits until it is ready.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ocr::testing {

class ServerProcess {
 public:
  // Starts `binary` with `args` plus --http-port=0 --port-file=<tmp> (and,
  // for the model server, --grpc-port=0 with its port file); its
  // standard error goes to a log file. Environment changes: "K=V" sets,
  // "-K" unsets.
  // `port_flag` names the binary's port flag; `port` 0 asks for any port.
  ServerProcess(std::string binary, std::vector<std::string> args,
                std::vector<std::string> env = {},
                std::string port_flag = "--http-port", int port = 0);
  ~ServerProcess();  // SIGKILLs the child if still running

  // Waits until the port file is written (the server writes it once ready).
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  int port() const { return port_; }
  // The model server's gRPC port (0 when the test chose its own flags).
  int grpc_port() const { return grpc_port_; }
  pid_t pid() const { return pid_; }

  void Signal(int signal_number);
  // Waits for exit; returns the exit code, or nullopt on timeout or when the
  // child died of a signal (see exited_by_signal()).
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  bool exited_by_signal() const { return signaled_; }
  // What the child wrote to standard error so far.
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int grpc_port_ = 0;
  bool exited_ = false;
  int status_ = 0;  // from waitpid, once exited_
  bool signaled_ = false;
  std::string dir_;
  std::string port_file_;
  std::string grpc_port_file_;
  std::string log_file_;
};

}  // namespace ocr::testing
