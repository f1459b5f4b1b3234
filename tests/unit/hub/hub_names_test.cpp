// Pure pieces of the hub client: names and encodings, settings from the environment,
// which files a pull selects.
#include "engine/model/hub_file_selection.h"
#include "engine/model/hub_http.h"
#include "engine/model/hub_names.h"
#include "engine/model/hub_settings.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <map>

using namespace vllmctl;

TEST_CASE("repo ids are validated like huggingface_hub does") {
  CHECK_NOTHROW(validate_repo_id("Qwen/Qwen2.5-0.5B-Instruct"));
  CHECK_NOTHROW(validate_repo_id("gpt2"));
  CHECK_NOTHROW(validate_repo_id("meta-llama/Llama-3.2-1B"));
  for (const char* bad : {"", "a/b/c", "org/", "/name", "org/na--me", "org/..", "org/-x",
                          "org/x.", "org/na me", "../etc"}) {
    CHECK_THROWS_WITH_AS(validate_repo_id(bad), doctest::Contains("invalid model id"),
                         std::runtime_error);
  }
}

TEST_CASE("revisions and repo paths may not escape the cache") {
  CHECK_NOTHROW(validate_revision("main"));
  CHECK_NOTHROW(validate_revision("refs/pr/1"));
  CHECK_NOTHROW(validate_repo_path("a/b.json", "file"));
  for (const char* bad : {"", "/abs", "a/../b", "..", "a//b", "a\\b", "./x", "a/"}) {
    CHECK_THROWS_AS(validate_revision(bad), std::runtime_error);
  }
  CHECK_NOTHROW(validate_cache_key(std::string(64, 'a'), "etag"));
  CHECK_THROWS_AS(validate_cache_key("../x", "etag"), std::runtime_error);
  CHECK_THROWS_AS(validate_cache_key("a/b", "etag"), std::runtime_error);
  CHECK_THROWS_AS(validate_cache_key("", "etag"), std::runtime_error);
}

TEST_CASE("cache folder names and URL encodings") {
  CHECK(repo_folder_name("Qwen/Qwen2.5-0.5B-Instruct") == "models--Qwen--Qwen2.5-0.5B-Instruct");
  CHECK(repo_folder_name("gpt2") == "models--gpt2");
  CHECK(repo_id_from_folder("models--Qwen--Qwen2.5-0.5B-Instruct") == "Qwen/Qwen2.5-0.5B-Instruct");
  CHECK(repo_id_from_folder("datasets--x--y").empty());
  CHECK(percent_encode("refs/pr/1", false) == "refs%2Fpr%2F1");
  CHECK(percent_encode("a b/c~d.e_f-g", true) == "a%20b/c~d.e_f-g");
  CHECK(normalize_etag("W/\"abc\"") == "abc");
  CHECK(normalize_etag("\"abc\"") == "abc");
  CHECK(normalize_etag("abc") == "abc");
  CHECK(is_commit_hash(std::string(40, 'f')));
  CHECK_FALSE(is_commit_hash("main"));
  CHECK(is_sha256_hex(std::string(64, '0')));
  CHECK_FALSE(is_sha256_hex(std::string(40, '0')));
}

TEST_CASE("origins decide where the token may go") {
  CHECK(url_origin("https://huggingface.co/a/b") == "https://huggingface.co:443");
  CHECK(url_origin("HTTP://LocalHost:8080/x") == "http://localhost:8080");
  CHECK(url_origin("http://127.0.0.1:1/") != url_origin("http://localhost:1/"));
  CHECK(is_relative_location("/org/name/resolve/main/x"));
  CHECK(is_relative_location("../x"));
  CHECK_FALSE(is_relative_location("https://cdn.example/x"));
  CHECK_FALSE(is_relative_location("//cdn.example/x"));
}

TEST_CASE("settings come from the environment like huggingface_hub's") {
  std::map<std::string, std::string> env;
  auto lookup = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  env["HOME"] = "/home/u";
  auto s = hub_settings_from_env(lookup);
  CHECK(s.endpoint == "https://huggingface.co");
  CHECK(s.cache_dir == "/home/u/.cache/huggingface/hub");
  CHECK(s.token.empty());
  CHECK_FALSE(s.offline);

  env["XDG_CACHE_HOME"] = "/xdg";
  CHECK(hub_settings_from_env(lookup).cache_dir == "/xdg/huggingface/hub");
  test::TempDir home;
  env["HF_HOME"] = home.path().string();
  test::write_file(home / "token", "hf_from_file\n");
  s = hub_settings_from_env(lookup);
  CHECK(s.cache_dir == home.path() / "hub");
  CHECK(s.token == "hf_from_file");
  env["HUGGINGFACE_HUB_CACHE"] = "/legacy";
  CHECK(hub_settings_from_env(lookup).cache_dir == "/legacy");
  env["HF_HUB_CACHE"] = "/cache";
  env["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy";
  env["HF_ENDPOINT"] = "http://mirror.local:8080//";
  s = hub_settings_from_env(lookup);
  CHECK(s.cache_dir == "/cache");
  CHECK(s.token == "hf_legacy");
  CHECK(s.endpoint == "http://mirror.local:8080");
  env["HF_TOKEN"] = " hf_new ";
  CHECK(hub_settings_from_env(lookup).token == "hf_new");

  for (const char* yes : {"1", "ON", "yes", "True"}) {
    env["HF_HUB_OFFLINE"] = yes;
    CHECK(hub_settings_from_env(lookup).offline);
  }
  for (const char* no : {"0", "off", "", "nope"}) {
    env["HF_HUB_OFFLINE"] = no;
    CHECK_FALSE(hub_settings_from_env(lookup).offline);
  }
  env["HF_HUB_DOWNLOAD_TIMEOUT"] = "2.5";
  CHECK(hub_settings_from_env(lookup).download_timeout_ms == 2500);
  env["HF_HUB_ETAG_TIMEOUT"] = "soon";
  CHECK_THROWS_WITH_AS(hub_settings_from_env(lookup), doctest::Contains("HF_HUB_ETAG_TIMEOUT"),
                       std::runtime_error);
}

TEST_CASE("a pull selects the files a server needs, safetensors over other formats") {
  const std::vector<std::string> qwen = {
      ".gitattributes", "LICENSE", "README.md", "config.json", "generation_config.json",
      "merges.txt", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.json"};
  const std::vector<std::string> want = {"config.json",    "generation_config.json",
                                         "merges.txt",     "tokenizer.json",
                                         "tokenizer_config.json", "vocab.json",
                                         "model.safetensors"};
  CHECK(select_model_files(qwen) == want);

  const std::vector<std::string> mixed = {
      "config.json", "model.safetensors", "pytorch_model.bin", "model.gguf", "model.onnx",
      "flax_model.msgpack", "tf_model.h5", "onnx/model.onnx", "original/consolidated.00.pth",
      "original/tokenizer.model", "tokenizer.model", "chat_template.jinja",
      "additional_chat_templates/rag.jinja", "special_tokens_map.json", "training_args.bin"};
  const std::vector<std::string> mixed_want = {"additional_chat_templates/rag.jinja",
                                               "chat_template.jinja", "config.json",
                                               "special_tokens_map.json", "tokenizer.model",
                                               "model.safetensors"};
  CHECK(select_model_files(mixed) == mixed_want);

  const std::vector<std::string> torch_only = {"config.json", "pytorch_model-00001-of-00002.bin",
                                               "pytorch_model-00002-of-00002.bin",
                                               "pytorch_model.bin.index.json", "training_args.bin",
                                               "optimizer.pt"};
  const std::vector<std::string> torch_want = {
      "config.json", "pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin",
      "pytorch_model-00002-of-00002.bin"};
  CHECK(select_model_files(torch_only) == torch_want);

  const std::vector<std::string> mistral = {"config.json", "consolidated.safetensors",
                                            "model-00001-of-00001.safetensors",
                                            "model.safetensors.index.json", "params.json"};
  const std::vector<std::string> mistral_want = {"config.json", "model.safetensors.index.json",
                                                 "model-00001-of-00001.safetensors"};
  CHECK(select_model_files(mistral) == mistral_want);
}
