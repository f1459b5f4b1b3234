// System: the one seam between the stack and doctor commands and everything outside the
// process: programs (run and wait, or start detached), processes, files, HTTP and the
// environment. RealSystem does it for real; tests substitute a fake that replays
// recorded outputs.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vllmctl {

struct CommandResult {
  bool started = false;  // false: the program was not found or could not be executed
  int exit_code = -1;    // 124 when it ran past its timeout and was killed
  std::string out, err;
};

struct HttpResult {
  long status = 0;        // 0: no response (error says why)
  std::string body;
  std::string error;      // transport error: "Connection refused", "Could not resolve host: x"
};

class System {
 public:
  virtual ~System() = default;

  // Runs argv[0] (searched on PATH) with the rest as arguments; stdin is /dev/null.
  virtual CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) = 0;
  // The full path of `program` on PATH, or nullopt.
  virtual std::optional<std::filesystem::path> which(const std::string& program) = 0;
  // Starts argv detached (own session, stdout and stderr appended to `log`); the pid, or
  // nullopt when it could not be started.
  virtual std::optional<int> spawn_detached(const std::vector<std::string>& argv,
                                            const std::filesystem::path& log) = 0;
  virtual bool process_alive(int pid) = 0;
  // The process's command line (argv joined by spaces), or "" when it is gone.
  virtual std::string process_command_line(int pid) = 0;
  virtual void signal(int pid, int signal_number) = 0;
  // Every process: pid and command line (argv joined by spaces).
  virtual std::vector<std::pair<int, std::string>> processes() = 0;
  // File names in a directory (not recursive); empty when it does not exist.
  virtual std::vector<std::string> list_directory(const std::filesystem::path& dir) = 0;

  virtual HttpResult http(const std::string& method, const std::string& url, const std::string& body = "",
                          const std::vector<std::string>& headers = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) = 0;

  virtual std::optional<std::string> getenv(const std::string& name) = 0;
  virtual std::optional<std::string> read_file(const std::filesystem::path& path) = 0;
  virtual bool exists(const std::filesystem::path& path) = 0;
  // Writes atomically (temp file + rename) with `mode` permissions; creates parents.
  // Throws std::runtime_error naming the path on failure.
  virtual void write_file(const std::filesystem::path& path, const std::string& bytes, unsigned mode = 0644) = 0;
  virtual void remove_all(const std::filesystem::path& path) = 0;
  virtual void sleep(std::chrono::milliseconds duration) = 0;
};

// The real thing. Thread-safe except http(), which is one session per call.
std::unique_ptr<System> make_real_system();

}  // namespace vllmctl
