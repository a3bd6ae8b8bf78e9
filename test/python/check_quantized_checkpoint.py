"""Checks a checkpoint written by `gptq-quantize model`, with numpy and
safetensors only (no transformers, no torch).

  check OUT SOURCE RUNTIME   names, dtypes, shapes and configs against the
                             source model; every quantized linear, dequantized
                             here independently, must equal the weights our
                             runtime uses (RUNTIME, from `gptq-quantize
                             dequantize`) bit for bit
  ppl GPTQ RTN TEXT WINDOWS  perplexity of both with gptq-run (found beside
                             gptq-quantize on PATH); GPTQ must not be worse
"""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from safetensors import safe_open

LINEARS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
           "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")


def unpack(words, count, bits, axis):
    """The little-endian bit stream of FORMAT.md section 4 along `axis`."""
    words = np.moveaxis(words.astype(np.int64) & 0xFFFFFFFF, axis, 0)
    shifts = np.arange(32, dtype=np.int64)[None, :, None]
    stream = ((words[:, None, :] >> shifts) & 1).reshape(-1, words.shape[1])
    fields = stream[: count * bits].reshape(count, bits, -1)
    values = (fields << np.arange(bits, dtype=np.int64)[None, :, None]).sum(1)
    return np.moveaxis(values, 0, axis)


def load_dir(path):
    tensors = {}
    for name in sorted(os.listdir(path)):
        if name.endswith(".safetensors"):
            with safe_open(os.path.join(path, name), "np") as handle:
                for key in handle.keys():
                    tensors[key] = handle.get_tensor(key)
    return tensors


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def check(out_dir, source_dir, runtime_path):
    quant = json.load(open(os.path.join(out_dir, "quantize_config.json")))
    config = json.load(open(os.path.join(out_dir, "config.json")))
    source_config = json.load(open(os.path.join(source_dir, "config.json")))
    qc = config.get("quantization_config")
    if qc is None or qc.get("quant_method") != "gptq":
        fail("config.json has no GPTQ quantization_config")
    for key in ("bits", "group_size", "desc_act", "sym"):
        if qc.get(key) != quant.get(key):
            fail(f"quantization_config.{key} differs from quantize_config.json")
    for key, value in source_config.items():
        if config.get(key) != value:
            fail(f"config.json changed the source's {key}")
    print(f"quantize_config: bits {quant['bits']} group_size "
          f"{quant['group_size']} desc_act {quant['desc_act']} sym "
          f"{quant['sym']} checkpoint_format {quant.get('checkpoint_format')}")
    if os.path.exists(os.path.join(source_dir, "generation_config.json")) and \
            not os.path.exists(os.path.join(out_dir, "generation_config.json")):
        fail("generation_config.json was not copied")

    bits, group = quant["bits"], quant["group_size"]
    v1 = quant.get("checkpoint_format", "gptq") == "gptq"
    out = load_dir(out_dir)
    src = load_dir(source_dir)
    with safe_open(runtime_path, "np") as handle:
        runtime = {key: handle.get_tensor(key) for key in handle.keys()}

    prefixes = {f"model.layers.{i}.{linear}"
                for i in range(source_config["num_hidden_layers"])
                for linear in LINEARS}
    expected = set()
    for name, value in src.items():
        prefix = name[: -len(".weight")] if name.endswith(".weight") else None
        if prefix in prefixes:
            continue
        expected.add(name)
        if name not in out:
            fail(f"unquantized tensor {name} is missing")
        if out[name].dtype != value.dtype or not np.array_equal(out[name],
                                                                value):
            fail(f"unquantized tensor {name} changed")
    compared = 0
    for prefix in sorted(prefixes):
        N, K = src[prefix + ".weight"].shape
        groups = K // group if group > 0 else 1
        shapes = {"qweight": ((K * bits // 32, N), np.int32),
                  "qzeros": ((groups, N * bits // 32), np.int32),
                  "scales": ((groups, N), np.float16),
                  "g_idx": ((K,), np.int32)}
        for field, (shape, dtype) in shapes.items():
            tensor = out.get(f"{prefix}.{field}")
            if tensor is None:
                fail(f"{prefix}.{field} is missing")
            if tensor.shape != shape or tensor.dtype != dtype:
                fail(f"{prefix}.{field}: {tensor.dtype} {tensor.shape}, "
                     f"expected {np.dtype(dtype)} {shape}")
            expected.add(f"{prefix}.{field}")
        codes = unpack(out[prefix + ".qweight"], K, bits, 0)  # [K][N]
        stored = unpack(out[prefix + ".qzeros"], N, bits, 1)  # [G][N]
        if v1 and np.any(stored == (1 << bits) - 1):
            fail(f"{prefix}: a v1 zero point is not storable")
        zeros = stored + 1 if v1 else stored
        g_idx = out[prefix + ".g_idx"].astype(np.int64)
        if g_idx.min() < 0 or g_idx.max() >= groups:
            fail(f"{prefix}: g_idx out of range")
        scales = out[prefix + ".scales"].astype(np.float32)
        diff = (codes - zeros[g_idx, :]).astype(np.float32)
        weight = scales[g_idx, :] * diff  # [K][N], one rounding
        if not np.array_equal(weight.T, runtime[prefix + ".weight"]):
            fail(f"{prefix}: numpy dequantization differs from the runtime's")
        compared += 1
    extra = set(out) - expected
    if extra:
        fail(f"unexpected tensors: {sorted(extra)[:5]}")
    print(f"{len(out)} tensors; {compared} quantized linears equal the "
          "runtime's weights exactly")
    print("PASSED")


def perplexity(gptq_run, model, text, windows):
    result = subprocess.run(
        [gptq_run, "ppl", "--model", model, "--text", text, "--max-windows",
         windows, "--device", "cpu"], capture_output=True, text=True,
        check=True)
    return float(re.search(r"perplexity ([0-9.]+)", result.stdout).group(1))


def compare_ppl(gptq_dir, rtn_dir, text, windows):
    quantize = shutil.which("gptq-quantize")
    gptq_run = os.path.join(os.path.dirname(quantize), "..", "gptq-run",
                            "gptq-run")
    gptq = perplexity(gptq_run, gptq_dir, text, windows)
    rtn = perplexity(gptq_run, rtn_dir, text, windows)
    print(f"perplexity GPTQ {gptq:.4f} RTN {rtn:.4f}")
    if gptq > rtn:
        fail("GPTQ is worse than round-to-nearest")
    print("PASSED")


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(*sys.argv[2:5])
    elif sys.argv[1] == "ppl":
        compare_ppl(*sys.argv[2:6])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
