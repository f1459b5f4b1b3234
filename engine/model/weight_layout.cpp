// expected_weight_layout() and validate_weight_layout().
#include "engine/model/weight_layout.h"

#include "engine/model/model_error.h"
#include "engine/model/safetensors_checkpoint.h"

#include <fmt/format.h>

#include <set>

namespace vllmctl {

namespace {

using Shape = std::vector<uint64_t>;

Shape dims(int64_t a) { return {static_cast<uint64_t>(a)}; }
Shape dims(int64_t a, int64_t b) { return {static_cast<uint64_t>(a), static_cast<uint64_t>(b)}; }

std::string layout_name(const ModelConfig& c) {
  return fmt::format("{} with {} layers", architecture_name(c.architecture), c.num_hidden_layers);
}

}  // namespace

std::vector<ExpectedTensor> expected_weight_layout(const ModelConfig& c) {
  std::vector<ExpectedTensor> out;
  auto add = [&out](std::string name, Shape shape, TensorRole role, bool optional = false) {
    out.push_back({std::move(name), std::move(shape), role, optional});
  };
  const int64_t h = c.hidden_size;
  add("model.embed_tokens.weight", dims(c.vocab_size, h), TensorRole::kEmbedding);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = fmt::format("model.layers.{}.", i);
    add(p + "input_layernorm.weight", dims(h), TensorRole::kNorm);
    const std::pair<const char*, int64_t> qkv[] = {{"q", c.q_size()}, {"k", c.kv_size()}, {"v", c.kv_size()}};
    for (const auto& [proj, rows] : qkv) {
      add(fmt::format("{}self_attn.{}_proj.weight", p, proj), dims(rows, h), TensorRole::kProjection);
      if (c.qkv_bias) add(fmt::format("{}self_attn.{}_proj.bias", p, proj), dims(rows), TensorRole::kBias);
    }
    add(p + "self_attn.o_proj.weight", dims(h, c.q_size()), TensorRole::kProjection);
    if (c.o_proj_bias) add(p + "self_attn.o_proj.bias", dims(h), TensorRole::kBias);
    if (c.qk_norm) {
      add(p + "self_attn.q_norm.weight", dims(c.head_dim), TensorRole::kNorm);
      add(p + "self_attn.k_norm.weight", dims(c.head_dim), TensorRole::kNorm);
    }
    add(p + "post_attention_layernorm.weight", dims(h), TensorRole::kNorm);
    const int64_t inter = c.intermediate_size;
    add(p + "mlp.gate_proj.weight", dims(inter, h), TensorRole::kProjection);
    if (c.mlp_bias) add(p + "mlp.gate_proj.bias", dims(inter), TensorRole::kBias);
    add(p + "mlp.up_proj.weight", dims(inter, h), TensorRole::kProjection);
    if (c.mlp_bias) add(p + "mlp.up_proj.bias", dims(inter), TensorRole::kBias);
    add(p + "mlp.down_proj.weight", dims(h, inter), TensorRole::kProjection);
    if (c.mlp_bias) add(p + "mlp.down_proj.bias", dims(h), TensorRole::kBias);
  }
  add("model.norm.weight", dims(h), TensorRole::kNorm);
  add("lm_head.weight", dims(c.vocab_size, h), TensorRole::kLmHead, c.tie_word_embeddings);
  return out;
}

bool is_ignored_tensor(std::string_view name) {
  constexpr std::string_view kInvFreq = ".self_attn.rotary_emb.inv_freq";
  return name.size() >= kInvFreq.size() && name.substr(name.size() - kInvFreq.size()) == kInvFreq;
}

void validate_weight_layout(const ModelConfig& config, const SafetensorsCheckpoint& checkpoint) {
  const std::vector<ExpectedTensor> layout = expected_weight_layout(config);  // outlives the views
  std::set<std::string_view> expected_names;
  for (const auto& e : layout) {
    expected_names.insert(e.name);
    const auto entry = checkpoint.find(e.name);
    if (entry.info == nullptr) {
      if (e.optional) continue;
      throw ModelFileError(fmt::format("{}: missing tensor '{}' ({} expects shape {})", checkpoint.label(),
                                       e.name, layout_name(config), format_shape(e.shape)));
    }
    const std::string file = entry.file->path().string();
    if (entry.info->shape != e.shape) {
      throw ModelFileError(fmt::format("{}: tensor '{}': shape {}, but config.json ({}) expects {}", file,
                                       e.name, format_shape(entry.info->shape), layout_name(config),
                                       format_shape(e.shape)));
    }
    if (!dtype_is_engine_float(entry.info->dtype)) {
      throw ModelFileError(fmt::format("{}: tensor '{}': dtype {} is not one the engine can load "
                                       "(F32, F16, BF16)", file, e.name, dtype_name(entry.info->dtype)));
    }
  }
  for (const auto& [name, entry] : checkpoint.tensors()) {
    if (expected_names.count(name) == 0 && !is_ignored_tensor(name)) {
      throw ModelFileError(fmt::format("{}: unexpected tensor '{}' (not part of {})",
                                       entry.file->path().string(), printable(name), layout_name(config)));
    }
  }
}

}  // namespace vllmctl
