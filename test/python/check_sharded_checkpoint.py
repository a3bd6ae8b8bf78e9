"""Checks a sharded checkpoint written by `gptq-quantize model
--max-shard-size`, with numpy and safetensors only (as transformers would
load it: through model.safetensors.index.json).

  check SHARDED SINGLE MAX_BYTES
      SHARDED must hold model-0000i-of-0000N.safetensors (N >= 2) and an
      index whose weight_map names every tensor of every shard exactly once
      and whose metadata.total_size is the sum of the tensors' sizes; no
      shard may hold more than MAX_BYTES of tensor data unless it holds a
      single tensor. Every tensor, loaded through the index, must equal
      (dtype, shape, bytes) the same tensor of the single-file checkpoint
      SINGLE, and both must hold the same tensors.
"""

import json
import os
import re
import sys

import numpy as np
from safetensors import safe_open

INDEX = "model.safetensors.index.json"


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def check(sharded_dir, single_dir, max_bytes):
    index_path = os.path.join(sharded_dir, INDEX)
    if not os.path.exists(index_path):
        fail(f"{index_path} is missing")
    index = json.load(open(index_path))
    weight_map = index.get("weight_map")
    total_size = index.get("metadata", {}).get("total_size")
    if not isinstance(weight_map, dict) or not isinstance(total_size, int):
        fail("index lacks weight_map or metadata.total_size")

    files = sorted(set(weight_map.values()))
    count = len(files)
    if count < 2:
        fail(f"expected several shards, got {files}")
    expected_names = [f"model-{i:05d}-of-{count:05d}.safetensors"
                      for i in range(1, count + 1)]
    if files != expected_names:
        fail(f"shard names {files}, expected {expected_names}")
    on_disk = sorted(name for name in os.listdir(sharded_dir)
                     if name.endswith(".safetensors"))
    if on_disk != files:
        fail(f"directory holds {on_disk}, the index names {files}")

    loaded = {}
    for shard in files:
        with safe_open(os.path.join(sharded_dir, shard), "np") as handle:
            keys = set(handle.keys())
            mapped = {n for n, f in weight_map.items() if f == shard}
            if keys != mapped:
                fail(f"{shard} holds {sorted(keys ^ mapped)[:5]} "
                     "differently from the weight_map")
            size = 0
            for key in keys:
                tensor = handle.get_tensor(key)
                size += tensor.nbytes
            if size > max_bytes and len(keys) > 1:
                fail(f"{shard}: {size} bytes of tensors exceed {max_bytes}")
    # Load through the index, tensor by tensor, as a loader would.
    for name, shard in weight_map.items():
        with safe_open(os.path.join(sharded_dir, shard), "np") as handle:
            loaded[name] = handle.get_tensor(name)
    if sum(t.nbytes for t in loaded.values()) != total_size:
        fail(f"metadata.total_size {total_size} is not the tensors' size")

    with safe_open(os.path.join(single_dir, "model.safetensors"),
                   "np") as handle:
        single = {key: handle.get_tensor(key) for key in handle.keys()}
    if set(single) != set(loaded):
        fail(f"tensor names differ: {sorted(set(single) ^ set(loaded))[:5]}")
    for name, tensor in single.items():
        other = loaded[name]
        if other.dtype != tensor.dtype or other.shape != tensor.shape or \
                other.tobytes() != tensor.tobytes():
            fail(f"{name} differs from the single-file checkpoint")
    print(f"{count} shards, {len(loaded)} tensors, total_size {total_size}: "
          "equal to the single file")
    print("PASSED")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "check":
        sys.exit(__doc__)
    check(sys.argv[2], sys.argv[3], int(sys.argv[4]))
