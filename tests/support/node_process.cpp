// Process control for the kvnode under test: fork/exec with stderr to a file, bounded waits,
// SIGTERM/SIGKILL, and one-shot runs that capture exit status and output.
#include "tests/support/node_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef KVNODE_BINARY
#error "KVNODE_BINARY must be defined by the build"
#endif
#ifndef KV_SOURCE_DIR
#error "KV_SOURCE_DIR must be defined by the build"
#endif

namespace kvtest {
namespace {

// Tests write to sockets the node may have closed; that must be an error, not a signal.
const bool sigpipe_ignored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

using clock_type = std::chrono::steady_clock;

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ExitStatus decode_wait_status(int status) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.signal = WTERMSIG(status);
  }
  return result;
}

// Polls waitpid until the child ends or the deadline passes. Returns nothing on timeout.
std::optional<ExitStatus> reap_until(pid_t pid, clock_type::time_point deadline) {
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return decode_wait_status(status);
    if (done < 0 && errno != EINTR) {
      ExitStatus lost;  // not our child any more; treat as gone
      return lost;
    }
    if (clock_type::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

ExitStatus kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ExitStatus result = decode_wait_status(status);
  result.timed_out = true;
  return result;
}

// fork + exec of kvnode with stdin from /dev/null and stdout/stderr to the given files, in
// `work_dir`. The child dies with the test process (PR_SET_PDEATHSIG).
pid_t spawn_kvnode(const std::vector<std::string>& args, const std::string& work_dir,
                   const std::string& stdout_path, const std::string& stderr_path,
                   std::string* error) {
  const std::string binary = kvnode_binary();
  std::vector<std::string> argv_storage;
  argv_storage.push_back(binary);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork failed: ") + std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(125);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (::chdir(work_dir.c_str()) != 0) ::_exit(124);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

bool ping_answers_200(httplib::ClientImpl& client) {
  client.set_connection_timeout(0, 200000);
  client.set_read_timeout(1, 0);
  auto result = client.Get("/v1/ping");
  return result && result->status == 200;
}

bool ping_answers_200(const std::string& host, std::uint16_t port) {
  httplib::ClientImpl client(host, port);
  return ping_answers_200(client);
}

bool ping_answers_200_over_tls(const std::string& host, std::uint16_t port,
                               const std::string& ca_file, const std::string& cert_file,
                               const std::string& key_file) {
  httplib::SSLClient client(host, port, cert_file, key_file);
  client.set_ca_cert_path(ca_file);
  return ping_answers_200(client);
}

}  // namespace

// KVTEST_KVNODE runs the tests against another build, e.g. to show that a new test fails on
// the release before a fix.
std::string kvnode_binary() {
  if (const char* other = std::getenv("KVTEST_KVNODE"); other != nullptr && *other != '\0') {
    return other;
  }
  return KVNODE_BINARY;
}

std::string project_version() {
  const std::string cmake = read_whole_file(std::string(KV_SOURCE_DIR) + "/CMakeLists.txt");
  std::smatch match;
  static const std::regex pattern(R"(project\s*\(\s*kvactor\s+VERSION\s+([0-9][0-9.]*))");
  if (!std::regex_search(cmake, match, pattern)) return "";
  return match[1].str();
}

namespace {

// The lowest port the kernel hands out for connect() and bind(0), from
// /proc/sys/net/ipv4/ip_local_port_range (32768 where it cannot be read).
int ephemeral_port_floor() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low && low > 1024 ? low : 32768;
}

bool bindable(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return free;
}

}  // namespace

// Below the ephemeral range: a port from bind(0) may be taken, before the node binds it, as the
// source port of any connection made on the machine meanwhile (a member's own connections to
// its peers among them), which made a member of a parallel test run exit with "address in use".
// A random port below the range is only ever taken by a listener that chose it the same way.
std::uint16_t pick_free_port() {
  static std::mt19937 random(std::random_device{}());
  const int floor = ephemeral_port_floor();
  if (floor > 10000) {
    std::uniform_int_distribution<int> below(10000, floor - 1);
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto port = static_cast<std::uint16_t>(below(random));
      if (bindable(port)) return port;
    }
  }
  throw std::runtime_error("no free port below the ephemeral range");
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/kvnode-it-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write_file(const std::string& name, const std::string& content) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  return file.string();
}

std::string ExitStatus::describe() const {
  std::ostringstream text;
  if (timed_out) text << "did not end in time (killed); ";
  if (exited) {
    text << "exited with status " << exit_code;
  } else if (signaled) {
    text << "killed by signal " << signal << " (" << ::strsignal(signal) << ")";
  } else {
    text << "unknown end";
  }
  return text.str();
}

RunResult run_kvnode(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  TempDir scratch;
  const std::string out_path = (scratch.path() / "stdout.txt").string();
  const std::string err_path = (scratch.path() / "stderr.txt").string();
  RunResult result;
  std::string error;
  const pid_t pid = spawn_kvnode(args, scratch.path().string(), out_path, err_path, &error);
  if (pid < 0) {
    result.stderr_text = error;
    return result;
  }
  const auto ended = reap_until(pid, clock_type::now() + timeout);
  result.status = ended ? *ended : kill_and_reap(pid);
  result.stdout_text = read_whole_file(out_path);
  result.stderr_text = read_whole_file(err_path);
  return result;
}

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

NodeProcess::NodeProcess(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
  stderr_path_ = (work_dir_.path() / "kvnode.stderr").string();
  stdout_path_ = (work_dir_.path() / "kvnode.stdout").string();
}

NodeProcess::~NodeProcess() {
  if (pid_ > 0 && !exit_status_) exit_status_ = kill_and_reap(pid_);
}

bool NodeProcess::spawn(std::string* error) {
  http_port_ = pick_free_port();
  do {
    feed_port_ = pick_free_port();
  } while (feed_port_ == http_port_);
  std::vector<std::string> args = {
      "--http-listen",   host_ + ":" + std::to_string(http_port_),
      "--feed-endpoint", "tcp://" + host_ + ":" + std::to_string(feed_port_),
      "--data-dir",      (work_dir_.path() / "data").string()};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  exit_status_.reset();
  pid_ = spawn_kvnode(args, work_dir_.path().string(), stdout_path_, stderr_path_, error);
  return pid_ > 0;
}

void NodeProcess::ping_over_tls(std::string ca_file, std::string cert_file, std::string key_file) {
  ping_ca_file_ = std::move(ca_file);
  ping_cert_file_ = std::move(cert_file);
  ping_key_file_ = std::move(key_file);
}

bool NodeProcess::start(std::string* error, std::chrono::milliseconds timeout) {
  constexpr int kAttempts = 3;
  std::string reason;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (!spawn(&reason)) break;
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      const bool ready = ping_ca_file_
                             ? ping_answers_200_over_tls(host_, http_port_, *ping_ca_file_,
                                                         ping_cert_file_, ping_key_file_)
                             : ping_answers_200(host_, http_port_);
      if (ready) return true;
      if (!running()) break;
      if (clock_type::now() >= deadline) {
        exit_status_ = kill_and_reap(pid_);
        *error = "kvnode did not answer GET /v1/ping with 200 within the start timeout\n" +
                 std::string("--- kvnode stderr ---\n") + stderr_text();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    reason = "kvnode ended during start-up: " + exit_status_->describe() +
             "\n--- kvnode stderr ---\n" + stderr_text();
    // Exit status 1 is "port already in use": another test may have taken our port. Retry.
    if (!exit_status_->exited_with(1)) break;
  }
  *error = reason;
  return false;
}

bool NodeProcess::running() {
  if (pid_ <= 0 || exit_status_) return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_status_ = decode_wait_status(status);
    return false;
  }
  if (done < 0 && errno != EINTR) {
    exit_status_ = ExitStatus{};  // not our child any more
    return false;
  }
  return true;
}

void NodeProcess::send_signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

ExitStatus NodeProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (exit_status_) return *exit_status_;
  if (pid_ <= 0) return ExitStatus{};
  const auto ended = reap_until(pid_, clock_type::now() + timeout);
  exit_status_ = ended ? *ended : kill_and_reap(pid_);
  return *exit_status_;
}

ExitStatus NodeProcess::stop(std::chrono::milliseconds timeout) {
  send_signal(SIGTERM);
  return wait_for_exit(timeout);
}

std::string NodeProcess::stderr_text() const {
  return read_whole_file(stderr_path_);
}

std::string NodeProcess::stdout_text() const {
  return read_whole_file(stdout_path_);
}

}  // namespace kvtest
