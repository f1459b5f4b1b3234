// The byte-level tokenizer vllmctl writes for its tiny `demo` model: 256 byte tokens in
// GPT-2 byte-level order, no merges, plus the ChatML specials; a standard Hugging Face
// tokenizer.json (BPE model) and a tokenizer_config.json with a ChatML chat template.
#pragma once

#include <cstdint>
#include <string>

namespace vllmctl {

inline constexpr int64_t kDemoEndOfTextId = 256;  // <|endoftext|>: bos / pad
inline constexpr int64_t kDemoImStartId = 257;    // <|im_start|>
inline constexpr int64_t kDemoImEndId = 258;      // <|im_end|>: eos
inline constexpr int64_t kDemoNumTokens = 259;    // the embedding pads this to 264

// The UTF-8 text of byte `b`'s GPT-2 byte-level symbol ('!' for 0x21, "Ġ" for a space).
std::string gpt2_byte_symbol(uint8_t b);
// The byte whose symbol has vocabulary id `id` (0..255); id 0 is '!', as in GPT-2/Qwen.
uint8_t gpt2_byte_of_id(int id);

// tokenizer.json and tokenizer_config.json, pretty-printed, deterministic.
std::string demo_tokenizer_json();
std::string demo_tokenizer_config_json();

}  // namespace vllmctl
