// Which files of a model repo an inference server needs: config, generation config,
// tokenizer and chat-template files, and one weight format (safetensors when the repo
// has it, else PyTorch .bin/.pt). READMEs, images, other formats (gguf, onnx, msgpack,
// h5) and sub-folders (original/, onnx/) are skipped.
#pragma once

#include <string>
#include <vector>

namespace vllmctl {

// Returns the selected subset of `repo_files` (paths as the hub lists them), ordered
// so that weights come last and weight indexes before their shards: a snapshot that
// has its weights is then complete (see hub_snapshot_check.h).
std::vector<std::string> select_model_files(const std::vector<std::string>& repo_files);

}  // namespace vllmctl
