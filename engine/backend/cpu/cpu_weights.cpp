// load_cpu_weights: safetensors views -> F32 vectors, fusing q/k/v and gate/up.
#include "engine/backend/cpu/cpu_weights.h"

#include "engine/model/dtype.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

namespace vllmctl::cpu {

namespace {

class Loader {
 public:
  explicit Loader(const ModelDir& model) : model_(model) {}

  // Appends tensor `name` (converted to F32) to `dst`; absent optional tensors add nothing.
  void append(std::vector<float>& dst, const std::string& name, bool optional = false) const {
    auto entry = model_.weights.find(name);
    if (!entry.info) {
      if (optional) return;
      throw std::runtime_error(fmt::format("{}: missing tensor '{}'", model_.weights.label(), name));
    }
    const TensorView view = entry.view();
    const size_t offset = dst.size();
    dst.resize(offset + view.info->numel);
    convert_to_f32(view.info->dtype, view.bytes,
                   std::span<float>(dst.data() + offset, view.info->numel));
  }

  std::vector<float> get(const std::string& name, bool optional = false) const {
    std::vector<float> v;
    append(v, name, optional);
    return v;
  }

  // The named tensors stacked by rows into one matrix: BF16 when every one is BF16 in the
  // file (bytes copied as they are), else F32.
  Matrix matrix(const std::vector<std::string>& names) const {
    bool all_bf16 = true;
    int64_t rows = 0, cols = 0;
    for (const auto& name : names) {
      auto entry = model_.weights.find(name);
      if (!entry.info) {
        throw std::runtime_error(fmt::format("{}: missing tensor '{}'", model_.weights.label(), name));
      }
      all_bf16 = all_bf16 && entry.info->dtype == DType::kBF16;
      rows += static_cast<int64_t>(entry.info->shape.at(0));
      cols = static_cast<int64_t>(entry.info->shape.at(1));
    }
    if (!all_bf16) {
      std::vector<float> data;
      for (const auto& name : names) append(data, name);
      return Matrix::f32(std::move(data), rows, cols);
    }
    std::vector<uint16_t> data(static_cast<size_t>(rows * cols));
    size_t offset = 0;
    for (const auto& name : names) {
      const TensorView view = model_.weights.find(name).view();
      std::memcpy(data.data() + offset, view.bytes.data(), view.bytes.size());
      offset += view.bytes.size() / 2;
    }
    return Matrix::bf16(std::move(data), rows, cols);
  }

 private:
  const ModelDir& model_;
};

}  // namespace

CpuWeights load_cpu_weights(const ModelDir& model) {
  const ModelConfig& c = model.config;
  if (c.mlp_bias) {
    throw std::runtime_error(fmt::format("{}: mlp_bias is not supported", (model.dir / "config.json").string()));
  }
  Loader load(model);
  CpuWeights w;
  w.embed_tokens = load.matrix({"model.embed_tokens.weight"});
  w.final_norm = load.get("model.norm.weight");
  if (!c.tie_word_embeddings) w.lm_head = load.matrix({"lm_head.weight"});

  w.layers.resize(static_cast<size_t>(c.num_hidden_layers));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    const std::string p = fmt::format("model.layers.{}.", i);
    l.input_norm = load.get(p + "input_layernorm.weight");
    l.post_attention_norm = load.get(p + "post_attention_layernorm.weight");
    l.qkv = load.matrix({p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight"});
    if (c.qkv_bias) {
      for (const char* proj : {"q_proj", "k_proj", "v_proj"}) load.append(l.qkv_bias, p + "self_attn." + proj + ".bias");
    }
    l.o_proj = load.matrix({p + "self_attn.o_proj.weight"});
    if (c.o_proj_bias) l.o_bias = load.get(p + "self_attn.o_proj.bias");
    if (c.qk_norm) {
      l.q_norm = load.get(p + "self_attn.q_norm.weight");
      l.k_norm = load.get(p + "self_attn.k_norm.weight");
    }
    l.gate_up = load.matrix({p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"});
    l.down = load.matrix({p + "mlp.down_proj.weight"});
  }
  return w;
}

uint64_t CpuWeights::size_bytes() const {
  uint64_t total = embed_tokens.size_bytes() + lm_head.size_bytes() + final_norm.size() * 4;
  for (const auto& l : layers) {
    total += l.qkv.size_bytes() + l.o_proj.size_bytes() + l.gate_up.size_bytes() + l.down.size_bytes();
    total += (l.input_norm.size() + l.post_attention_norm.size() + l.qkv_bias.size() + l.o_bias.size() +
              l.q_norm.size() + l.k_norm.size()) * 4;
  }
  return total;
}

}  // namespace vllmctl::cpu
