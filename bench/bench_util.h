// Small process/port/file helpers for the end-to-end ingest benchmark. Loopback only; every wait
// is bounded; every child is killed on destruction and dies with the benchmark (PDEATHSIG).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lj::bench {

using Clock = std::chrono::steady_clock;
double SecondsSince(Clock::time_point t0);

uint16_t FreePort();
// Creates /tmp/<prefix>-XXXXXX; removed by TempDir's destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Polls `cond` every `poll` until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll = std::chrono::milliseconds(20));
// True when something accepts TCP connections on 127.0.0.1:port.
bool PortOpen(uint16_t port);

// A child process (stdout+stderr to a log file). Stopped (SIGTERM, then SIGKILL) and reaped on
// destruction; also killed by the kernel if the benchmark dies (PR_SET_PDEATHSIG).
class Process {
 public:
  static std::unique_ptr<Process> Start(const std::vector<std::string>& argv,
                                        const std::string& log_path);
  ~Process();
  int pid() const { return pid_; }
  bool Running();
  int Stop();  // exit status, or -1
  std::string LogTail(size_t bytes = 2000) const;

 private:
  int pid_ = -1;
  int status_ = -1;
  bool exited_ = false;
  std::string log_path_;
};

// User+system CPU seconds of process `pid` so far (/proc/<pid>/stat), or -1.
double ProcessCpuSeconds(int pid);
// User+system CPU seconds of this (benchmark client) process so far.
double SelfCpuSeconds();

// Kills every live child started by Process (used by the SIGINT/SIGTERM handler).
void KillAllChildren();

std::string ReadFile(const std::string& path);
// "12,345,678"
std::string Thousands(double v);

}  // namespace lj::bench
