#!/usr/bin/env python3
"""Compare gptq-run's logits with transformers' on a byte-level model.

Run on the GPU machine (torch + transformers installed there):

    gptq-run ppl --model DIR --text FILE --device cuda --dump-logits our.bin
    python3 test/python/compare_logits.py --model DIR --text FILE \
        --logits our.bin

our.bin holds the first window's logits as float32 [window][vocab]. The
script loads the model with transformers in fp16, computes the same window's
logits, and fails (exit 1) unless the relative Frobenius error is below the
threshold (default 1e-2). It also prints transformers' perplexity with the
fixture's method (non-overlapping windows, mean of per-window mean losses,
exp) on the first --ppl-windows windows and on the whole file, so the
numbers our tests record can be traced to an independent implementation.
"""

import argparse
import math
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM


def window_losses(model, tokens, window, batch):
    """Mean next-token loss of each full window, in order."""
    count = len(tokens) // window
    losses = []
    for first in range(0, count, batch):
        chunk = tokens[first * window:(first + min(batch, count - first)) * window]
        ids = torch.tensor(chunk, dtype=torch.long, device="cuda").view(-1, window)
        with torch.no_grad():
            logits = model(ids).logits.float()
        loss = torch.nn.functional.cross_entropy(
            logits[:, :-1].reshape(-1, logits.shape[-1]),
            ids[:, 1:].reshape(-1), reduction="none").view(ids.shape[0], -1)
        losses.extend(loss.mean(dim=1).tolist())
    return losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--text", required=True)
    parser.add_argument("--logits", required=True, help="gptq-run --dump-logits file")
    parser.add_argument("--window", type=int, default=512)
    parser.add_argument("--ppl-windows", type=int, default=4)
    parser.add_argument("--threshold", type=float, default=1e-2)
    args = parser.parse_args()

    model = AutoModelForCausalLM.from_pretrained(
        args.model, dtype=torch.float16).cuda().eval()
    tokens = list(open(args.text, "rb").read())
    vocab = model.config.vocab_size

    ours = np.fromfile(args.logits, dtype=np.float32)
    if ours.size != args.window * vocab:
        sys.exit(f"{args.logits}: {ours.size} values, expected "
                 f"{args.window} x {vocab}")
    ours = ours.reshape(args.window, vocab)
    ids = torch.tensor(tokens[:args.window], device="cuda").view(1, -1)
    with torch.no_grad():
        theirs = model(ids).logits.float()[0].cpu().numpy()
    error = float(np.linalg.norm(ours - theirs) / np.linalg.norm(theirs))
    max_abs = float(np.abs(ours - theirs).max())
    argmax_agree = float((ours.argmax(1) == theirs.argmax(1)).mean())
    print(f"logits vs transformers fp16 (first window): relative error "
          f"{error:.3e}, max abs diff {max_abs:.3e}, argmax agreement "
          f"{argmax_agree:.4f}")

    losses = window_losses(model, tokens, args.window, 64)
    first = losses[:args.ppl_windows]
    print(f"transformers fp16 perplexity, first {len(first)} windows: "
          f"{math.exp(sum(first) / len(first)):.6f}")
    print(f"transformers fp16 perplexity, all {len(losses)} windows: "
          f"{math.exp(sum(losses) / len(losses)):.6f}")
    if not error < args.threshold:
        print(f"FAIL: relative error {error:.3e} >= {args.threshold}")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
