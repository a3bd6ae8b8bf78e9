// qmm-select-tile with an autotune cache: a hit replaces the default tile, a
// miss (other M bucket, shape, dtype or GPU) keeps it, and whatever is wrong
// with the file is a warning while the pass still succeeds with defaults.
//
// RUN: rm -rf %t && split-file %s %t
// Defaults are whatever qmm-select-tile picks without a cache (the
// heuristics change as kernels are tuned): misses must print the same.
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a" > %t/default.out
//
// Hits for the H100 entries (any sm_90a GPU matches); the sm_80 entry is
// reported as foreign through an MLIR warning (-verify-diagnostics).
// RUN: gptq-opt %t/input.mlir -verify-diagnostics -qmm-select-tile="arch=sm_90a autotune-cache=%t/cache.json" | FileCheck %s --check-prefix=HIT
//
// Naming the GPU selects the same entries; naming another GPU or driver
// ignores them all.
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/cache.json gpu-name='NVIDIA H100 80GB HBM3' driver=13000" 2>/dev/null | FileCheck %s --check-prefix=HIT
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/cache.json gpu-name='NVIDIA H200'" 2>%t/h200.err > %t/miss16.out
// RUN: diff %t/default.out %t/miss16.out
// RUN: FileCheck %s --check-prefix=FOREIGN3 < %t/h200.err
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/cache.json driver=12080" 2>/dev/null > %t/miss18.out
// RUN: diff %t/default.out %t/miss18.out
//
// The sm_80 entry is used when compiling for sm_80.
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_80 autotune-cache=%t/cache.json" 2>%t/a100.err | FileCheck %s --check-prefix=A100
// RUN: FileCheck %s --check-prefix=FOREIGN2 < %t/a100.err
//
// Two GPUs of the architecture match: a warning, the first by name wins;
// naming one picks it.
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/two-gpus.json" 2>%t/two.err | FileCheck %s --check-prefix=HIT
// RUN: FileCheck %s --check-prefix=TWO < %t/two.err
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/two-gpus.json gpu-name='NVIDIA H200'" 2>/dev/null | FileCheck %s --check-prefix=H200
//
// Corrupt JSON, another version, a stray JSON file, a missing file: one
// warning each, defaults.
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/corrupt.json" 2>%t/corrupt.err > %t/miss35.out
// RUN: diff %t/default.out %t/miss35.out
// RUN: FileCheck %s --check-prefix=CORRUPT < %t/corrupt.err
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/version.json" 2>%t/version.err > %t/miss37.out
// RUN: diff %t/default.out %t/miss37.out
// RUN: FileCheck %s --check-prefix=VERSION < %t/version.err
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/stray.json" 2>%t/stray.err > %t/miss39.out
// RUN: diff %t/default.out %t/miss39.out
// RUN: FileCheck %s --check-prefix=STRAY < %t/stray.err
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/missing.json" 2>%t/missing.err > %t/miss41.out
// RUN: diff %t/default.out %t/miss41.out
// RUN: FileCheck %s --check-prefix=MISSING < %t/missing.err
//
// Invalid entries (a tile the code generator rejects, an unknown strategy,
// a missing field, an M bucket that does not exist) are each reported and
// skipped; the valid entry beside them is still used.
// RUN: gptq-opt %t/plain.mlir -qmm-select-tile="arch=sm_90a autotune-cache=%t/invalid.json" 2>%t/invalid.err | FileCheck %s --check-prefix=INVALID
// RUN: FileCheck %s --check-prefix=INVALID-WARN < %t/invalid.err

// HIT-LABEL: func.func @decode
// HIT: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 64, warps = 2, stages = 3>
// HIT-LABEL: func.func @m1
// HIT-NOT: warps = 2
// HIT-LABEL: func.func @m200
// HIT: tile = #qmm.tile<strategy = mma, block_m = 32, block_n = 64, block_k = 32, warps = 2, stages = 1>
// HIT-LABEL: func.func @decode_bf16
// HIT-NOT: warps = 2


// A100-LABEL: func.func @decode
// A100: tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 32, block_k = 64, warps = 4, stages = 2>
// A100-LABEL: func.func @m200
// A100-NOT: warps = 2

// H200-LABEL: func.func @decode
// H200: tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 64, block_k = 64, warps = 2, stages = 2>

// FOREIGN3: warning: autotune cache '{{.*}}cache.json': ignoring 3 entries measured on other GPUs or drivers ('NVIDIA A100-SXM4-80GB' sm_80 driver 12040, 'NVIDIA H100 80GB HBM3' sm_90a driver 13000)
// FOREIGN2: warning: autotune cache '{{.*}}cache.json': ignoring 2 entries measured on other GPUs or drivers ('NVIDIA H100 80GB HBM3' sm_90a driver 13000)
// TWO: warning: autotune cache '{{.*}}two-gpus.json': entries of several GPUs match ('NVIDIA H100 80GB HBM3' sm_90a driver 13000, 'NVIDIA H200' sm_90a driver 13000); for each problem the first of them in this order is used (name the GPU to choose)
// CORRUPT: warning: autotune cache '{{.*}}corrupt.json': not a valid JSON object; ignoring it and using the default tiles
// VERSION: warning: autotune cache '{{.*}}version.json': version 2 is not the supported 1; ignoring it and using the default tiles
// STRAY: warning: autotune cache '{{.*}}stray.json': "format" is not "gptq-autotune-cache"; ignoring it and using the default tiles
// MISSING: warning: autotune cache '{{.*}}missing.json': cannot be read; using the default tiles

// INVALID-LABEL: func.func @decode
// INVALID-NOT: warps = 2
// INVALID-LABEL: func.func @m200
// INVALID: tile = #qmm.tile<strategy = mma, block_m = 32, block_n = 64, block_k = 32, warps = 2, stages = 1>
// INVALID-WARN: warning: autotune cache '{{.*}}invalid.json': entry 0 is invalid (tile stream m48 n64 k64 w2 s3: stream tiles need block_m = 8, 16 or 32, got 48); ignoring it
// INVALID-WARN: warning: autotune cache '{{.*}}invalid.json': entry 1 is invalid (tile.strategy must be mma, stream, pipelined, wgmma or wgmma_tma, got 'tcgen05'); ignoring it
// INVALID-WARN: warning: autotune cache '{{.*}}invalid.json': entry 2 is invalid (missing tile.stages); ignoring it
// INVALID-WARN: warning: autotune cache '{{.*}}invalid.json': entry 3 is invalid (m_bucket must be 1, 16, 64, 256, 1024 or 4096, got 100); ignoring it
// INVALID-WARN: warning: autotune cache '{{.*}}invalid.json': entry 4 is invalid (tile mma m64 n128 k128 w4 s1: mma tile needs 52224 bytes of shared memory, over the 48 KB static limit; use smaller blocks); ignoring it
// INVALID-WARN-NOT: warning

//--- input.mlir
#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>
// expected-warning @+1 {{autotune cache}}
module {
  func.func @decode(%x: tensor<?x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<?x4096xf16> {
    %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
    return %y : tensor<?x4096xf16>
  }
  func.func @m1(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
    %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
    return %y : tensor<1x4096xf16>
  }
  func.func @m200(%x: tensor<200x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<200x4096xf16> {
    %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<200x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<200x4096xf16>
    return %y : tensor<200x4096xf16>
  }
  func.func @decode_bf16(%x: tensor<?x4096xbf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xbf16>) -> tensor<?x4096xbf16> {
    %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xbf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xbf16>) -> tensor<?x4096xbf16>
    return %y : tensor<?x4096xbf16>
  }
}

//--- plain.mlir
#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>
func.func @decode(%x: tensor<?x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
func.func @m1(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}
func.func @m200(%x: tensor<200x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<200x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<200x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<200x4096xf16>
  return %y : tensor<200x4096xf16>
}
func.func @decode_bf16(%x: tensor<?x4096xbf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xbf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
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
     "time_us": 10.5, "default_time_us": 12.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 256,
     "tile": {"strategy": "mma", "block_m": 32, "block_n": 64, "block_k": 32, "warps": 2, "stages": 1},
     "time_us": 30.0, "default_time_us": 31.0},
    {"gpu": {"name": "NVIDIA A100-SXM4-80GB", "arch": "sm_80", "driver": 12040},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 16,
     "tile": {"strategy": "stream", "block_m": 32, "block_n": 32, "block_k": 64, "warps": 4, "stages": 2},
     "time_us": 20.0, "default_time_us": 21.0}
  ]
}

//--- two-gpus.json
{
  "format": "gptq-autotune-cache",
  "version": 1,
  "entries": [
    {"gpu": {"name": "NVIDIA H200", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 16,
     "tile": {"strategy": "stream", "block_m": 32, "block_n": 64, "block_k": 64, "warps": 2, "stages": 2},
     "time_us": 9.0, "default_time_us": 11.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 16,
     "tile": {"strategy": "stream", "block_m": 16, "block_n": 64, "block_k": 64, "warps": 2, "stages": 3},
     "time_us": 10.5, "default_time_us": 12.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 256,
     "tile": {"strategy": "mma", "block_m": 32, "block_n": 64, "block_k": 32, "warps": 2, "stages": 1},
     "time_us": 30.0, "default_time_us": 31.0}
  ]
}

//--- corrupt.json
{"format": "gptq-autotune-cache", "version": 1, "entries": [
  {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "dri

//--- version.json
{"format": "gptq-autotune-cache", "version": 2, "entries": []}

//--- stray.json
{"kernels": [], "matmuls": []}

//--- invalid.json
{
  "format": "gptq-autotune-cache",
  "version": 1,
  "entries": [
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 16,
     "tile": {"strategy": "stream", "block_m": 48, "block_n": 64, "block_k": 64, "warps": 2, "stages": 3},
     "time_us": 10.5, "default_time_us": 12.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 16,
     "tile": {"strategy": "tcgen05", "block_m": 64, "block_n": 64, "block_k": 64, "warps": 4, "stages": 3},
     "time_us": 10.5, "default_time_us": 12.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 16,
     "tile": {"strategy": "stream", "block_m": 16, "block_n": 64, "block_k": 64, "warps": 2},
     "time_us": 10.5, "default_time_us": 12.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 100,
     "tile": {"strategy": "stream", "block_m": 16, "block_n": 64, "block_k": 64, "warps": 2, "stages": 3},
     "time_us": 10.5, "default_time_us": 12.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 1024,
     "tile": {"strategy": "mma", "block_m": 64, "block_n": 128, "block_k": 128, "warps": 4, "stages": 1},
     "time_us": 10.5, "default_time_us": 12.0},
    {"gpu": {"name": "NVIDIA H100 80GB HBM3", "arch": "sm_90a", "driver": 13000},
     "layout": {"bits": 4, "group_size": 128, "act_order": false, "sym": true, "format": "gptq_v1", "dtype": "f16"},
     "k": 4096, "n": 4096, "m_bucket": 256,
     "tile": {"strategy": "mma", "block_m": 32, "block_n": 64, "block_k": 32, "warps": 2, "stages": 1},
     "time_us": 30.0, "default_time_us": 31.0}
  ]
}
