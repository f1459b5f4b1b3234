// Config precedence: flags > environment > config file > defaults, and clear errors
// for bad config files.
#include "cli/common/cli_context.h"
#include "cli/common/config_file.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

using vllmctl::CliContext;
using vllmctl::test::TempDir;
using vllmctl::test::write_file;

// A root with `serve --port/--host/--max-num-seqs/--enforce-eager` and `model demo --seed`,
// parsed from `args`, config layered from `config_text`. Returns the values seen.
struct Seen {
  int port = 8000;
  std::string host = "127.0.0.1";
  int max_num_seqs = 256;
  bool enforce_eager = false;
  std::vector<std::string> origins;
  int seed = 0;
  std::string ran;
};

Seen run(std::vector<std::string> args, const std::string& config_text) {
  TempDir dir;
  const auto config = dir / "vllmctl.toml";
  write_file(config, config_text);

  Seen seen;
  CLI::App app{"test"};
  CliContext ctx;
  app.add_option("--config", ctx.config_path);
  auto* serve = app.add_subcommand("serve");
  serve->add_option("--port", seen.port)->envname("VLLMCTL_TEST_PORT");
  serve->add_option("--host", seen.host)->envname("VLLMCTL_TEST_HOST");
  serve->add_option("--max-num-seqs", seen.max_num_seqs);
  serve->add_flag("--enforce-eager", seen.enforce_eager);
  serve->add_option("--allowed-origins", seen.origins);
  ctx.on_run(serve, [&] { seen.ran = "serve"; return 0; });
  auto* model = app.add_subcommand("model");
  auto* demo = model->add_subcommand("demo");
  demo->add_option("--seed", seen.seed);
  ctx.on_run(demo, [&] { seen.ran = "demo"; return 0; });

  args.insert(args.begin(), {"vllmctl", "--config", config.string()});
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  ctx.dispatch(app);
  return seen;
}

}  // namespace

TEST_CASE("config file fills what flags and environment leave unset") {
  ::unsetenv("VLLMCTL_TEST_PORT");
  ::unsetenv("VLLMCTL_TEST_HOST");
  const std::string toml =
      "[serve]\nport = 9000\nhost = \"0.0.0.0\"\nmax_num_seqs = 8\nenforce_eager = true\n"
      "allowed_origins = [\"a\", \"b\"]\n[model.demo]\nseed = 42\n";

  Seen s = run({"serve"}, toml);
  CHECK(s.ran == "serve");
  CHECK(s.port == 9000);
  CHECK(s.host == "0.0.0.0");
  CHECK(s.max_num_seqs == 8);
  CHECK(s.enforce_eager);
  CHECK(s.origins == std::vector<std::string>{"a", "b"});

  CHECK(run({"model", "demo"}, toml).seed == 42);
  CHECK(run({"model", "demo", "--seed", "7"}, toml).seed == 7);
}

TEST_CASE("flags beat the environment, which beats the config file") {
  const std::string toml = "[serve]\nport = 9000\nhost = \"10.0.0.1\"\n";
  ::setenv("VLLMCTL_TEST_PORT", "9100", 1);
  ::setenv("VLLMCTL_TEST_HOST", "192.0.2.1", 1);
  Seen env_only = run({"serve"}, toml);
  CHECK(env_only.port == 9100);
  CHECK(env_only.host == "192.0.2.1");
  Seen flag = run({"serve", "--port", "9200"}, toml);
  CHECK(flag.port == 9200);
  CHECK(flag.host == "192.0.2.1");
  ::unsetenv("VLLMCTL_TEST_PORT");
  ::unsetenv("VLLMCTL_TEST_HOST");
  CHECK(run({"serve"}, "").port == 8000);  // nothing anywhere: the default
}

TEST_CASE("bad config files fail with the file, the key and a fix") {
  auto message_of = [](const std::string& toml) {
    try {
      run({"serve"}, toml);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string unknown = message_of("[serve]\nprot = 9000\n");
  CHECK(unknown.find("unknown key 'prot' in [serve]") != std::string::npos);
  CHECK(unknown.find("port") != std::string::npos);  // lists the valid keys

  std::string wrong_type = message_of("[serve]\nport = \"eighty\"\n");
  CHECK(wrong_type.find("[serve] port") != std::string::npos);

  std::string bad_toml = message_of("[serve\nport = 1\n");
  CHECK(bad_toml.find("invalid TOML") != std::string::npos);

  std::string not_table = message_of("serve = 3\n");
  CHECK(not_table.find("must be a table") != std::string::npos);
}

TEST_CASE("an explicit config file that does not exist is an error") {
  CHECK_THROWS_WITH_AS(vllmctl::find_config_file("/nonexistent/vllmctl.toml"),
                       doctest::Contains("does not exist"), std::runtime_error);
}
