// write_random_model: a model directory (config.json + model.safetensors) with Gaussian
// weights scaled like a trained network's (N(0, 1/fan_in) projections, norms near 1,
// unit-variance embeddings), so logits are well separated and backend comparisons mean
// something. Used by the unit tests, the GPU tests and the CUDA start-up self-check.
#pragma once

#include "engine/model/dtype.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>

namespace vllmctl {

// Writes `config` as config.json and every required tensor of its layout as `dtype`
// (F32, F16 or BF16). The same config, dtype and seed always give the same bytes.
// Throws ModelFileError on a config the engine cannot parse or an I/O error.
void write_random_model(const std::filesystem::path& dir, const nlohmann::json& config, DType dtype,
                        uint64_t seed);

}  // namespace vllmctl
