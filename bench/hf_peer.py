#!/usr/bin/env python3
"""The peer for bench/gpu.sh: Hugging Face transformers generating nano-vllm's workload
(random prompt ids, lengths uniform in [lo, hi], ignore_eos) from the same model
directory vllmctl serves, on the GPU, batched with left padding. Prints one JSON line:
{"peer": "transformers", "output_tokens_per_s": ..., "seconds": ..., "requests": ...}.

usage: hf_peer.py MODEL_DIR NUM_PROMPTS IN_LO IN_HI OUT_LO OUT_HI SEED [BATCH]
Each batch generates to its longest output length (HF's generate has no per-request
stop without EOS); only each request's own output length is counted, as vllmctl counts.
"""
import json
import random
import sys
import time

import torch
from transformers import AutoModelForCausalLM


def main():
    model_dir = sys.argv[1]
    n, in_lo, in_hi, out_lo, out_hi, seed = (int(x) for x in sys.argv[2:8])
    batch = int(sys.argv[8]) if len(sys.argv) > 8 else 64
    rng = random.Random(seed)
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.bfloat16).cuda().eval()
    vocab = model.config.vocab_size
    reqs = []
    for _ in range(n):
        plen, olen = rng.randint(in_lo, in_hi), rng.randint(out_lo, out_hi)
        reqs.append(([rng.randrange(0, min(vocab, 151643)) for _ in range(plen)], olen))
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    counted = 0
    for i in range(0, n, batch):
        chunk = reqs[i:i + batch]
        width = max(len(p) for p, _ in chunk)
        ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for r, (p, _) in enumerate(chunk):
            ids[r, width - len(p):] = torch.tensor(p)
            mask[r, width - len(p):] = 1
        max_new = max(o for _, o in chunk)
        with torch.no_grad():
            model.generate(input_ids=ids.cuda(), attention_mask=mask.cuda(), max_new_tokens=max_new,
                           min_new_tokens=max_new, do_sample=False, pad_token_id=0)
        counted += sum(o for _, o in chunk)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    print(json.dumps({"peer": "transformers", "output_tokens_per_s": counted / seconds, "seconds": seconds,
                      "requests": n, "batch": batch}))


if __name__ == "__main__":
    main()
