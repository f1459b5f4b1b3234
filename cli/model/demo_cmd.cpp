// `vllmctl model demo`: writes a complete model directory with deterministic random
// weights (a tiny model, or the real shapes of a few small models) to try things offline.
#include "cli/commands.h"
#include "engine/model/demo_model.h"
#include "engine/model/model_summary.h"

#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace vllmctl {

namespace {

struct DemoArgs {
  std::string out;
  std::string preset = "demo";
  std::string tokenizer;
  uint64_t seed = 0;
  std::string dtype = "bf16";
  bool force = false;
};

DType parse_demo_dtype(const std::string& text) {
  if (text == "bf16" || text == "bfloat16") return DType::kBF16;
  if (text == "f16" || text == "float16" || text == "fp16") return DType::kF16;
  if (text == "f32" || text == "float32" || text == "fp32") return DType::kF32;
  throw std::runtime_error(fmt::format("model demo: unknown --dtype '{}' (choose bf16, f16 or f32)", text));
}

int run_demo(const DemoArgs& args) {
  if (args.out.empty()) throw std::runtime_error("model demo: --out DIR is required");
  DemoModelOptions options;
  options.out_dir = args.out;
  auto preset = parse_demo_preset(args.preset);
  if (!preset) {
    throw std::runtime_error(fmt::format("model demo: unknown --preset '{}' (choose {})", args.preset,
                                         demo_preset_names()));
  }
  options.preset = *preset;
  if (!args.tokenizer.empty()) options.tokenizer_dir = args.tokenizer;
  options.seed = args.seed;
  options.dtype = parse_demo_dtype(args.dtype);
  options.force = args.force;

  const DemoModelResult result = write_demo_model(options);
  for (const auto& w : result.warnings) fmt::print(stderr, "vllmctl: warning: {}\n", w);
  const ModelConfig& c = result.config;
  fmt::print("wrote {} model to {}\n", args.preset, args.out);
  fmt::print("  {}: {} layers, hidden {}, {} heads ({} kv), vocab {}\n", architecture_name(c.architecture),
             c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.num_key_value_heads, c.vocab_size);
  fmt::print("  {} tensors, {} parameters, {} {} (seed {})\n", result.num_tensors,
             with_commas(result.num_parameters), human_bytes(result.safetensors_bytes), dtype_name(options.dtype),
             args.seed);
  fmt::print("  files: {}\n", fmt::join(result.files, ", "));
  return 0;
}

}  // namespace

void add_model_demo_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand(
      "demo", "Write a model directory with deterministic random weights (no download needed)");
  auto args = std::make_shared<DemoArgs>();
  cmd->add_option("--out", args->out, "Directory to write (must be empty or absent unless --force)");
  cmd->add_option("--preset", args->preset,
                  fmt::format("Model shape: {} (default demo: tiny, CPU-fast, own tokenizer)",
                              demo_preset_names()));
  cmd->add_option("--tokenizer", args->tokenizer,
                  "Folder to copy tokenizer files from (required by the real-shape presets)");
  cmd->add_option("--seed", args->seed, "Random seed for the weights (default 0)");
  cmd->add_option("--dtype", args->dtype, "Weight dtype: bf16 (default), f16 or f32");
  cmd->add_flag("--force", args->force, "Replace the model files in a non-empty --out directory");
  ctx.on_run(cmd, [args] { return run_demo(*args); });
}

}  // namespace vllmctl
