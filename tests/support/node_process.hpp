// Starting and stopping the real kvnode binary for black-box tests: free loopback ports,
// stderr captured to a file, bounded waits, and helpers for temp dirs and one-shot runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kvtest {

// The kvnode under test (absolute path, from the build).
std::string kvnode_binary();

// The project version from the top-level CMakeLists.txt (what --version and /v1/info report).
std::string project_version();

// A port free on 127.0.0.1 a moment ago, below the range the kernel picks source ports from.
std::uint16_t pick_free_port();

// A directory under $TMPDIR (or /tmp) removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string write_file(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// How a child process ended.
struct ExitStatus {
  bool exited = false;  // ended through exit(); exit_code is valid
  int exit_code = -1;
  bool signaled = false;  // killed by a signal; signal is valid
  int signal = 0;
  bool timed_out = false;  // still running at the deadline (then killed with SIGKILL)

  bool exited_with(int code) const { return exited && exit_code == code; }
  std::string describe() const;
};

// The result of running kvnode to completion.
struct RunResult {
  ExitStatus status;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs kvnode with exactly `args` (no flags added), stdin from /dev/null, in a scratch working
// directory, and waits at most `timeout` for it to end (then kills it).
RunResult run_kvnode(const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(15));

// The non-empty lines of `text`.
std::vector<std::string> non_empty_lines(const std::string& text);

// One kvnode serving on free loopback ports. The constructor does not start it; start() does.
class NodeProcess {
 public:
  // `extra_args` are appended after the --http-listen, --feed-endpoint and --data-dir flags
  // that the class adds itself.
  explicit NodeProcess(std::vector<std::string> extra_args = {});
  ~NodeProcess();  // SIGKILL if still running
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Spawns kvnode and waits (up to `timeout`) until GET /v1/ping answers 200. Retries with new
  // ports if the node exits at once because a port was taken. On failure returns false with a
  // reason (including the node's stderr) in *error.
  bool start(std::string* error, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // For a node whose port speaks TLS: start() pings it over https, trusting `ca_file` and, when
  // the node requires client certificates, presenting `cert_file` and `key_file`.
  void ping_over_tls(std::string ca_file, std::string cert_file = {}, std::string key_file = {});

  std::uint16_t http_port() const { return http_port_; }
  std::uint16_t feed_port() const { return feed_port_; }
  const std::string& host() const { return host_; }
  pid_t pid() const { return pid_; }

  // True while the child has not been reaped.
  bool running();

  // Sends `sig` to the child (no wait).
  void send_signal(int sig);

  // SIGTERM, then waits (up to `timeout`) for the exit; SIGKILL when it does not end in time.
  ExitStatus stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // Waits (up to `timeout`) for the child to end on its own; SIGKILL when it does not.
  ExitStatus wait_for_exit(std::chrono::milliseconds timeout);

  // Everything the node wrote to stderr so far.
  std::string stderr_text() const;
  // Everything the node wrote to stdout so far.
  std::string stdout_text() const;

  const TempDir& work_dir() const { return work_dir_; }

 private:
  bool spawn(std::string* error);

  std::vector<std::string> extra_args_;
  std::string host_ = "127.0.0.1";
  std::uint16_t http_port_ = 0;
  std::uint16_t feed_port_ = 0;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_status_;
  TempDir work_dir_;
  std::string stderr_path_;
  std::string stdout_path_;
  std::optional<std::string> ping_ca_file_;  // set: readiness is checked over TLS
  std::string ping_cert_file_;
  std::string ping_key_file_;
};

}  // namespace kvtest
