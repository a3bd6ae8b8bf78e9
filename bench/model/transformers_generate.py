#!/usr/bin/env python3
"""Decode tokens/s of transformers' fp16 `generate` on a model built from a
config.json with random weights: the baseline gptq-run bench is compared
with (issue 5). Runs on the GPU machine, which has torch and transformers;
nothing here is part of the C++ product.

Greedy decoding of --gen-len tokens after a --prompt-len prompt at batch 1
(or --batch); decode time = time(generate prompt + gen) - time(generate
prompt + 1 token), medians of --repeats runs after a warm-up, so that
prefill is not counted. Prints one line per batch.
"""
import argparse
import json
import statistics
import time

import torch
from transformers import AutoConfig, AutoModelForCausalLM


def timed_generate(model, ids, new_tokens):
    torch.cuda.synchronize()
    start = time.perf_counter()
    model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                   do_sample=False, use_cache=True, pad_token_id=0)
    torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--prompt-len", type=int, default=512)
    parser.add_argument("--gen-len", type=int, default=64)
    parser.add_argument("--batch", default="1")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with open(args.config) as f:
        raw = json.load(f)
    config = AutoConfig.for_model(**raw)
    torch.manual_seed(0)
    # Random weights created on the GPU in fp16 (the CPU would take minutes
    # for 7B parameters).
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.float16)
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    print(f"transformers {__import__('transformers').__version__}, torch "
          f"{torch.__version__}, {torch.cuda.get_device_name()}, "
          f"{params / 1e9:.2f} B parameters (fp16)")
    with torch.inference_mode():
        for batch in [int(b) for b in args.batch.split(",")]:
            ids = torch.randint(0, config.vocab_size, (batch, args.prompt_len),
                                device="cuda")
            timed_generate(model, ids, 4)  # warm-up
            prefill = statistics.median(
                timed_generate(model, ids, 1) for _ in range(args.repeats))
            full = statistics.median(
                timed_generate(model, ids, args.gen_len + 1)
                for _ in range(args.repeats))
            decode = full - prefill
            print(f"batch {batch}: prefill+1 {prefill * 1e3:.1f} ms, "
                  f"{args.gen_len} more tokens {decode * 1e3:.1f} ms, decode "
                  f"{batch * args.gen_len / decode:.1f} tokens/s")


if __name__ == "__main__":
    main()
