// load_cpu_weights: safetensors views -> F32 vectors, fusing q/k/v and gate/up.
#include "engine/backend/cpu/cpu_weights.h"

#include "engine/model/dtype.h"

#include <fmt/format.h>

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
  w.embed_tokens = load.get("model.embed_tokens.weight");
  w.final_norm = load.get("model.norm.weight");
  if (!c.tie_word_embeddings) w.lm_head = load.get("lm_head.weight");

  w.layers.resize(static_cast<size_t>(c.num_hidden_layers));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    const std::string p = fmt::format("model.layers.{}.", i);
    l.input_norm = load.get(p + "input_layernorm.weight");
    l.post_attention_norm = load.get(p + "post_attention_layernorm.weight");
    for (const char* proj : {"q_proj", "k_proj", "v_proj"}) {
      load.append(l.qkv, p + "self_attn." + proj + ".weight");
      if (c.qkv_bias) load.append(l.qkv_bias, p + "self_attn." + proj + ".bias");
    }
    l.o_proj = load.get(p + "self_attn.o_proj.weight");
    if (c.o_proj_bias) l.o_bias = load.get(p + "self_attn.o_proj.bias");
    if (c.qk_norm) {
      l.q_norm = load.get(p + "self_attn.q_norm.weight");
      l.k_norm = load.get(p + "self_attn.k_norm.weight");
    }
    load.append(l.gate_up, p + "mlp.gate_proj.weight");
    load.append(l.gate_up, p + "mlp.up_proj.weight");
    l.down = load.get(p + "mlp.down_proj.weight");
  }
  return w;
}

}  // namespace vllmctl::cpu
