// A FakeHub with a small model repo and HubSettings pointing at it with a scratch
// cache: short timeouts and backoff so failure tests stay fast.
#pragma once

#include "engine/model/hub_settings.h"
#include "tests/unit/hub/fake_hub.h"
#include "tests/unit/test_support.h"

#include <filesystem>
#include <string>

namespace vllmctl::test {

struct HubFixture {
  FakeHub hub;
  TempDir tmp;
  const std::string repo_id = "org/tiny";
  const std::string commit = fake_commit("main");
  const std::string pr_commit = fake_commit("pr-1");
  const std::string config = R"({"model_type": "qwen2", "hidden_size": 64})";
  const std::string pr_config = R"({"model_type": "qwen2", "hidden_size": 128})";
  const std::string weights = fake_bytes(300'000, 1);
  const std::string template_text = "{{ messages }}";

  HubFixture() {
    FakeRepo repo;
    FakeCommit main;
    main.files[".gitattributes"] = {"*.safetensors filter=lfs\n"};
    main.files["README.md"] = {"# tiny\n"};
    main.files["config.json"] = {config};
    main.files["generation_config.json"] = {R"({"eos_token_id": 2})"};
    main.files["tokenizer.json"] = {R"({"model": {"type": "BPE"}})"};
    main.files["tokenizer_config.json"] = {R"({"chat_template": "x"})"};
    main.files["additional_chat_templates/tool_use.jinja"] = {template_text};
    main.files["original/params.json"] = {"{}"};
    main.files["model.safetensors"] = {weights, true};
    main.files["model.gguf"] = {fake_bytes(1000, 2), true};
    FakeCommit pr = main;
    pr.files["config.json"] = {pr_config};
    repo.commits[commit] = main;
    repo.commits[pr_commit] = pr;
    repo.refs["main"] = commit;
    repo.refs["refs/pr/1"] = pr_commit;
    hub.add_repo(repo_id, repo);
  }

  HubSettings settings() const {
    HubSettings s;
    s.endpoint = hub.endpoint();
    s.cache_dir = tmp.path() / "hub";
    s.etag_timeout_ms = 5'000;
    s.download_timeout_ms = 5'000;
    s.max_attempts = 3;
    s.retry_backoff_ms = 10;
    return s;
  }

  std::filesystem::path repo_dir() const { return tmp.path() / "hub" / "models--org--tiny"; }
  std::string weights_sha() const { return FakeHub::sha256_hex(weights); }
};

}  // namespace vllmctl::test
