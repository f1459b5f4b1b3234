// Small models with real formats and random weights, for backend tests: one per
// architecture family, big enough that logits are well separated.
#pragma once

#include "engine/model/dtype.h"

#include <filesystem>
#include <string>

namespace vllmctl::test {

enum class TinyArch { kQwen2, kLlama3, kQwen3, kMistralUntied };

// Writes config.json and model.safetensors for a 3-layer model of `arch` into `dir`.
void write_tiny_model(const std::filesystem::path& dir, TinyArch arch, DType dtype,
                      uint64_t seed = 1);

std::string tiny_arch_name(TinyArch arch);

}  // namespace vllmctl::test
