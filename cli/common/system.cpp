// RealSystem: fork/exec with pipes and a deadline, setsid for detached services, procfs
// for process facts, libcurl (HttpSession) for HTTP, rename for atomic writes.
#include "cli/common/system.h"

#include "engine/model/hub_http.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vllmctl {

namespace {

namespace fs = std::filesystem;

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

class RealSystem final : public System {
 public:
  CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override {
    CommandResult r;
    if (argv.empty()) return r;
    const auto path = which(argv[0]);
    if (!path) return r;
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return r;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
      close(out_pipe[0]);
      close(out_pipe[1]);
      return r;
    }
    auto args = c_argv(argv);
    const pid_t pid = fork();
    if (pid == 0) {
      const int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
      dup2(out_pipe[1], 1);
      dup2(err_pipe[1], 2);
      setpgid(0, 0);  // its own group, so a timeout kills its children too
      execv(path->c_str(), args.data());
      _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (pid < 0) {
      close(out_pipe[0]);
      close(err_pipe[0]);
      return r;
    }
    r.started = true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    bool timed_out = false;
    while (open_fds > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          sinks[i]->append(buf, static_cast<size_t>(n));
        } else {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        }
      }
    }
    for (auto& f : fds) {
      if (f.fd >= 0) close(f.fd);
    }
    if (timed_out) kill(-pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (timed_out) {
      r.exit_code = 124;
    } else if (WIFEXITED(status)) {
      r.exit_code = WEXITSTATUS(status);
      if (r.exit_code == 127 && r.out.empty() && r.err.empty()) r.started = false;
    } else {
      r.exit_code = 128 + WTERMSIG(status);
    }
    return r;
  }

  std::optional<fs::path> which(const std::string& program) override {
    if (program.find('/') != std::string::npos) {
      return access(program.c_str(), X_OK) == 0 ? std::optional<fs::path>(program) : std::nullopt;
    }
    const char* path_env = std::getenv("PATH");
    std::stringstream dirs(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      const fs::path candidate = fs::path(dir) / program;
      if (access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
    }
    return std::nullopt;
  }

  std::optional<int> spawn_detached(const std::vector<std::string>& argv, const fs::path& log) override {
    const auto path = argv.empty() ? std::nullopt : which(argv[0]);
    if (!path) return std::nullopt;
    std::error_code ec;
    fs::create_directories(log.parent_path(), ec);
    auto args = c_argv(argv);
    int ready[2];  // closes on exec; a byte means exec failed
    if (pipe2(ready, O_CLOEXEC) != 0) return std::nullopt;
    const pid_t pid = fork();
    if (pid == 0) {
      close(ready[0]);
      setsid();
      const int devnull = open("/dev/null", O_RDONLY);
      const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(devnull, 0);
      if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
      }
      execv(path->c_str(), args.data());
      const char failed = 1;
      (void)!write(ready[1], &failed, 1);
      _exit(127);
    }
    close(ready[1]);
    if (pid < 0) {
      close(ready[0]);
      return std::nullopt;
    }
    char byte;
    const ssize_t n = read(ready[0], &byte, 1);
    close(ready[0]);
    if (n > 0) {
      waitpid(pid, nullptr, 0);
      return std::nullopt;
    }
    // Reap it when it exits, so a stopped service does not linger as a zombie while we run.
    std::thread([pid] { waitpid(pid, nullptr, 0); }).detach();
    return pid;
  }

  bool process_alive(int pid) override {
    if (pid <= 0 || kill(pid, 0) != 0) return false;
    // A zombie still answers kill(0): look at its state.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close_paren = line.rfind(')');
    return close_paren == std::string::npos || close_paren + 2 >= line.size() || line[close_paren + 2] != 'Z';
  }

  std::string process_command_line(int pid) override {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\0') s.pop_back();
    for (char& c : s) {
      if (c == '\0') c = ' ';
    }
    return s;
  }

  void signal(int pid, int signal_number) override {
    if (pid > 0) kill(pid, signal_number);
  }

  std::vector<std::pair<int, std::string>> processes() override {
    std::vector<std::pair<int, std::string>> out;
    for (const std::string& name : list_directory("/proc")) {
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const int pid = std::stoi(name);
      std::string cmd = process_command_line(pid);
      if (!cmd.empty()) out.emplace_back(pid, std::move(cmd));
    }
    return out;
  }

  std::vector<std::string> list_directory(const fs::path& dir) override {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      out.push_back(it->path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  HttpResult http(const std::string& method, const std::string& url, const std::string& body,
                  const std::vector<std::string>& headers, std::chrono::milliseconds timeout) override {
    HttpResult r;
    try {
      HttpSession session("vllmctl");
      HttpRequest req;
      req.method = method;
      req.url = url;
      req.body = body;
      req.headers = headers;
      req.connect_timeout_ms = timeout.count();
      req.total_timeout_ms = timeout.count();
      const HttpResponse resp = session.perform(req, nullptr, 16u << 20);
      r.status = resp.status;
      r.body = resp.body;
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    return r;
  }

  std::optional<std::string> getenv(const std::string& name) override {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  }

  std::optional<std::string> read_file(const fs::path& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  bool exists(const fs::path& path) override {
    std::error_code ec;
    return fs::exists(path, ec);
  }

  void write_file(const fs::path& path, const std::string& bytes, unsigned mode) override {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    const fs::path tmp = path.string() + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
    fchmod(fd, mode);  // umask must not widen or narrow what was asked
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) {
        close(fd);
        throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    close(fd);
    fs::rename(tmp, path, ec);
    if (ec) throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
  }

  void remove_all(const fs::path& path) override {
    std::error_code ec;
    fs::remove_all(path, ec);
  }

  void sleep(std::chrono::milliseconds duration) override { std::this_thread::sleep_for(duration); }
};

}  // namespace

std::unique_ptr<System> make_real_system() { return std::make_unique<RealSystem>(); }

}  // namespace vllmctl
