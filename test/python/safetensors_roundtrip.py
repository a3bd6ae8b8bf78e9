#!/usr/bin/env python3
"""Cross-checks our safetensors writer and reader against the Python package.

  safetensors_roundtrip.py check FILE   verify FILE written by our writer
  safetensors_roundtrip.py write FILE   write FILE for our reader to check

Values are regenerated here from the same integer formulas as
test/unit/Format/WriteSampleSafetensors.cpp and compared bit for bit. Exits
non-zero on any mismatch.
"""
import json
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file


def sample_f32():
    i = np.arange(15, dtype=np.int64)
    values = ((i * 37 % 23 - 11).astype(np.float32) / np.float32(8.0)
              + i.astype(np.float32) * np.float32(1e-3))
    return values.astype(np.float32).reshape(3, 5)


def sample_f16():
    i = np.arange(24, dtype=np.int64)
    return ((i * 29 % 61 - 30) / 64.0).astype(np.float16).reshape(4, 6)


def sample_bf16_as_float():
    i = np.arange(16, dtype=np.int64)
    return ((i * 13 % 17 - 8) * np.ldexp(1.0, i - 8)).astype(np.float32).reshape(2, 8)


def bf16_bits(values):
    """bf16 bits of float32 values that bf16 represents exactly."""
    bits = values.astype(np.float32).view(np.uint32)
    assert np.all(bits & 0xFFFF == 0), "sample is not bf16-exact"
    return (bits >> 16).astype(np.uint16)


def sample_i32():
    i = np.arange(7, dtype=np.uint64)
    return ((i * 2654435761) % (1 << 32)).astype(np.uint32).view(np.int32)


def check(path):
    errors = []
    with safe_open(path, framework="np") as f:
        metadata = f.metadata() or {}
        if metadata.get("written_by") != "gptq-toolkit" or metadata.get("format") != "pt":
            errors.append(f"metadata {metadata}")
        names = set(f.keys())
        want = {"sample.f32", "sample.f16", "sample.i32", "sample.bf16"}
        if names != want:
            errors.append(f"tensor names {sorted(names)}")
        else:
            f32, f16, i32 = (f.get_tensor(n) for n in ("sample.f32", "sample.f16", "sample.i32"))
            if f32.dtype != np.float32 or not np.array_equal(f32.view(np.uint32), sample_f32().view(np.uint32)):
                errors.append("sample.f32 differs")
            if f16.dtype != np.float16 or not np.array_equal(f16.view(np.uint16), sample_f16().view(np.uint16)):
                errors.append("sample.f16 differs")
            if i32.dtype != np.int32 or not np.array_equal(i32, sample_i32()):
                errors.append("sample.i32 differs")
            # numpy has no bfloat16: read the raw slice through the header.
            bf16_slice = f.get_slice("sample.bf16")
            if bf16_slice.get_dtype() != "BF16" or bf16_slice.get_shape() != [2, 8]:
                errors.append("sample.bf16 dtype/shape differs")
    # Independent check of the BF16 bits from the raw file.
    with open(path, "rb") as raw:
        data = raw.read()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    begin, end = header["sample.bf16"]["data_offsets"]
    bits = np.frombuffer(data[8 + header_len + begin:8 + header_len + end], dtype="<u2")
    if not np.array_equal(bits, bf16_bits(sample_bf16_as_float()).reshape(-1)):
        errors.append("sample.bf16 bits differ")
    # Our writer must order the header and data as the package does (dtype
    # rank, then name; __metadata__ first). numpy cannot express bf16, so
    # compare the order of the other tensors and check where bf16 sits (the
    # package's Rust enum ranks BF16 between I32 and F16).
    ours = list(json.loads(data[8:8 + header_len],
                           object_pairs_hook=lambda pairs: pairs))
    our_order = [k for k, _ in ours]
    expected_path = path + ".python"
    save_file({"sample.f32": sample_f32(), "sample.f16": sample_f16(),
               "sample.i32": sample_i32()}, expected_path,
              metadata={"format": "pt", "written_by": "gptq-toolkit"})
    with open(expected_path, "rb") as f:
        expected = f.read()
    os.unlink(expected_path)
    expected_len = int.from_bytes(expected[:8], "little")
    their_order = [k for k, _ in json.loads(
        expected[8:8 + expected_len], object_pairs_hook=lambda pairs: pairs)]
    want_order = their_order[:3] + ["sample.bf16"] + their_order[3:]
    if our_order != want_order:
        errors.append(f"header order {our_order}, package order {want_order}")
    if header_len % 8 != 0 or data[8 + header_len - 1:8 + header_len] not in (b" ", b"}"):
        errors.append("header not padded to 8 bytes with spaces")
    offsets = [header[k]["data_offsets"] for k in our_order[1:]]
    if offsets[0][0] != 0 or any(a[1] != b[0] for a, b in zip(offsets, offsets[1:])):
        errors.append(f"data offsets not contiguous in header order: {offsets}")
    for error in errors:
        print(f"{path}: {error}", file=sys.stderr)
    if not errors:
        print(f"{path}: python reads every tensor and the metadata exactly")
    return 1 if errors else 0


def write_file(path):
    # numpy lacks bfloat16: write its bits as U16, then rename the dtype in
    # the header and re-pad it ("BF16" is one byte longer than "U16").
    tensors = {"sample.f32": sample_f32(), "sample.f16": sample_f16(),
               "sample.i32": sample_i32(),
               "sample.bf16": bf16_bits(sample_bf16_as_float()).reshape(2, 8)}
    save_file(tensors, path, metadata={"format": "pt", "written_by": "python"})
    with open(path, "rb") as f:
        data = f.read()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    header["sample.bf16"]["dtype"] = "BF16"
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + data[8 + header_len:])
    # The package must still accept the patched file.
    with safe_open(path, framework="np") as f:
        assert f.get_slice("sample.bf16").get_dtype() == "BF16"
    return 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "write"):
        print(__doc__, file=sys.stderr)
        return 2
    return check(sys.argv[2]) if sys.argv[1] == "check" else write_file(sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
