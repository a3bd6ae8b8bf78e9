// gptq-opt --autotune-cache: the lowering for --emit=cuda|ptx|manifest takes
// tiles from the cache (the manifest shows them), --autotune-gpu picks a
// GPU's entries, and the qmm-lower-to-cuda pipeline takes the same option.
// A cache that cannot be used is a warning; the output is still written.
//
// RUN: rm -rf %t && split-file %s %t
// RUN: gptq-opt %t/input.mlir --emit=manifest --arch=sm_90a --autotune-cache=%t/cache.json > %t/hit.json
// RUN: FileCheck %s --check-prefix=HIT < %t/hit.json
// Misses print what no cache gives.
// RUN: gptq-opt %t/input.mlir --emit=manifest --arch=sm_90a > %t/default.json
// RUN: gptq-opt %t/input.mlir --emit=manifest --arch=sm_90a --autotune-cache=%t/cache.json --autotune-gpu='NVIDIA H200' 2>/dev/null > %t/h200.json
// RUN: diff %t/default.json %t/h200.json
// RUN: not diff %t/default.json %t/hit.json
// RUN: gptq-opt %t/input.mlir --emit=cuda --arch=sm_90a --autotune-cache=%t/cache.json | FileCheck %s --check-prefix=CUDA
// RUN: gptq-opt %t/input.mlir -qmm-lower-to-cuda="arch=sm_90a autotune-cache=%t/cache.json" | FileCheck %s --check-prefix=PIPELINE
// RUN: gptq-opt %t/input.mlir --emit=manifest --arch=sm_90a --autotune-cache=%t/corrupt.json 2>%t/corrupt.err > %t/corrupt.json.out
// RUN: diff %t/default.json %t/corrupt.json.out
// RUN: FileCheck %s --check-prefix=CORRUPT < %t/corrupt.err

// HIT: "block_k": 64,
// HIT-NEXT: "block_m": 16,
// HIT-NEXT: "block_n": 64,
// HIT: "name": "qmm_f16_w4g128_k4096_n4096_stream_m16n64k64w2s3"
// HIT: "stages": 3,
// HIT: "threads": 64,
// HIT-NEXT: "warps": 2
// CUDA: qmm_f16_w4g128_k4096_n4096_stream_m16n64k64w2s3
// PIPELINE: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 64, warps = 2, stages = 3>
// CORRUPT: warning: autotune cache '{{.*}}corrupt.json': not a valid JSON object; ignoring it and using the default tiles

//--- input.mlir
#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>
func.func @decode(%x: tensor<?x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

//--- cache.json
{
  "format": "gptq-autotune-cache",
  "version": 1,
  "entries": [
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 16,
     "tile": {"strategy": "stream", "block_m": 16, "block_n": 64, "block_k": 64, "warps": 2, "stages": 3},
     "time_us": 10.5, "default_time_us": 12.0}
  ]
}

//--- corrupt.json
not json at all
