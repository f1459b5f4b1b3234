// FakeSystem: the System seam replayed from memory for unit tests: programs answer with
// recorded outputs (matched by their argv prefix), files live in a map, HTTP answers come
// from a table, and every call is logged so tests can check what would have run.
#pragma once

#include "cli/common/system.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vllmctl::test {

class FakeSystem final : public System {
 public:
  // Programs on PATH (for which()); commands answer by the longest matching argv prefix.
  std::map<std::string, std::string> programs;  // name -> path
  std::vector<std::pair<std::vector<std::string>, CommandResult>> commands;
  std::map<std::string, HttpResult> http_answers;  // "METHOD URL" -> answer
  std::map<std::string, std::string> env;
  std::map<std::filesystem::path, std::string> files;
  std::map<std::filesystem::path, unsigned> modes;
  std::map<int, std::string> running;  // pid -> command line

  std::vector<std::vector<std::string>> ran;  // every run() and spawn_detached() argv
  std::vector<std::string> requests;          // every "METHOD URL"
  int next_pid = 1000;

  void on_command(std::vector<std::string> prefix, int exit_code, std::string out, std::string err = "") {
    CommandResult r;
    r.started = true;
    r.exit_code = exit_code;
    r.out = std::move(out);
    r.err = std::move(err);
    commands.emplace_back(std::move(prefix), std::move(r));
  }

  CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds) override {
    ran.push_back(argv);
    if (argv.empty() || !which(argv[0])) return {};
    const CommandResult* best = nullptr;
    size_t best_len = 0;
    for (const auto& [prefix, result] : commands) {
      if (prefix.size() <= argv.size() && prefix.size() >= best_len &&
          std::equal(prefix.begin(), prefix.end(), argv.begin())) {
        best = &result;
        best_len = prefix.size();
      }
    }
    if (best) return *best;
    CommandResult r;
    r.started = true;
    r.exit_code = 0;
    return r;
  }

  // A name on PATH, or the full path of one.
  std::optional<std::filesystem::path> which(const std::string& program) override {
    const auto it = programs.find(program);
    if (it != programs.end()) return std::filesystem::path(it->second);
    for (const auto& [name, path] : programs) {
      if (path == program) return std::filesystem::path(path);
    }
    return std::nullopt;
  }

  std::optional<int> spawn_detached(const std::vector<std::string>& argv, const std::filesystem::path&) override {
    ran.push_back(argv);
    if (argv.empty() || !which(argv[0])) return std::nullopt;
    const int pid = next_pid++;
    std::string cmdline;
    for (const auto& a : argv) cmdline += (cmdline.empty() ? "" : " ") + a;
    running[pid] = cmdline;
    return pid;
  }

  bool process_alive(int pid) override { return running.count(pid) > 0; }
  std::string process_command_line(int pid) override {
    const auto it = running.find(pid);
    return it == running.end() ? "" : it->second;
  }
  void signal(int pid, int) override { running.erase(pid); }
  std::vector<std::pair<int, std::string>> processes() override { return {running.begin(), running.end()}; }
  std::vector<std::string> list_directory(const std::filesystem::path& dir) override {
    std::vector<std::string> out;
    for (const auto& [p, _] : files) {
      if (p.parent_path() == dir) out.push_back(p.filename().string());
    }
    return out;
  }

  HttpResult http(const std::string& method, const std::string& url, const std::string&, const std::vector<std::string>&,
                  std::chrono::milliseconds) override {
    const std::string key = method + " " + url;
    requests.push_back(key);
    const auto it = http_answers.find(key);
    if (it != http_answers.end()) return it->second;
    HttpResult r;
    r.error = "Connection refused";
    return r;
  }

  std::optional<std::string> getenv(const std::string& name) override {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::optional<std::string> read_file(const std::filesystem::path& path) override {
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  bool exists(const std::filesystem::path& path) override {
    if (files.count(path)) return true;
    const std::string dir = path.string() + "/";
    for (const auto& [p, _] : files) {
      if (p.string().rfind(dir, 0) == 0) return true;
    }
    return false;
  }
  void write_file(const std::filesystem::path& path, const std::string& bytes, unsigned mode) override {
    files[path] = bytes;
    modes[path] = mode;
  }
  void remove_all(const std::filesystem::path& path) override {
    const std::string dir = path.string() + "/";
    for (auto it = files.begin(); it != files.end();) {
      it = (it->first == path || it->first.string().rfind(dir, 0) == 0) ? files.erase(it) : std::next(it);
    }
  }
  void sleep(std::chrono::milliseconds) override {}
};

}  // namespace vllmctl::test
