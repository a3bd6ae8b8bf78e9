// RUN: gptq-opt %s -split-input-file -qmm-select-tile="arch=sm_90a" | FileCheck %s --check-prefix=SM90
// RUN: gptq-opt %s -split-input-file -qmm-select-tile="arch=sm_90" | FileCheck %s --check-prefix=SM90P
// RUN: not gptq-opt %s -split-input-file -qmm-select-tile="arch=sm_80" 2>/dev/null | FileCheck %s --check-prefix=SM80
// RUN: not gptq-opt %s -split-input-file -qmm-select-tile="arch=sm_80" 2>&1 >/dev/null | FileCheck %s --check-prefix=SM80ERR

// Split-K across a thread-block cluster (sm_90 and newer). At M = 64 a
// layer of N = 8192 splits 2 ways on sm_90a (64 TMA-fed 64 x 128 tiles of
// two warpgroups and 128-channel steps, 128 CTAs) and on plain sm_90 (64
// pipelined column blocks of 128, 128 CTAs: one per SM of the reference
// 132; no wgmma, no TMA); sm_80 has no clusters and keeps the stream
// kernel.
// SM90-LABEL: func.func @m64_n8192
// SM90: tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 128, block_k = 128, warps = 9, stages = 8, split_k = 2>
// SM90P-LABEL: func.func @m64_n8192
// SM90P: tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3, split_k = 2>
// SM80-LABEL: func.func @m64_n8192
// SM80: tile = #qmm.tile<strategy = stream, block_m = 32,
// SM80-NOT: split_k
func.func @m64_n8192(%x: tensor<64x8192xf16>, %qw: tensor<1024x8192xi32>, %qz: tensor<64x1024xi32>, %s: tensor<64x8192xf16>) -> tensor<64x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>} : (tensor<64x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<64x8192xf16>
  return %y : tensor<64x8192xf16>
}

// -----

// Every CTA of a split keeps at least 8 steps: K = 1024 is 16 steps of 64,
// so at most 2 CTAs per tile.
// SM90-LABEL: func.func @short_k
// SM90: split_k = 2>
func.func @short_k(%x: tensor<64x1024xf16>, %qw: tensor<128x8192xi32>, %qz: tensor<8x1024xi32>, %s: tensor<8x8192xf16>) -> tensor<64x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>} : (tensor<64x1024xf16>, tensor<128x8192xi32>, tensor<8x1024xi32>, tensor<8x8192xf16>) -> tensor<64x8192xf16>
  return %y : tensor<64x8192xf16>
}

// -----

// 16 rows: a 2-way split that fills one wave (64 column blocks of 128 on
// the reference 132 SMs: 128 CTAs) splits 2 ways; past one wave (N =
// 10240: 160 CTAs at 2) the clusters split 4 ways. sm_80 keeps the
// stream kernel.
// SM90-LABEL: func.func @m16_n8192
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 2>
// SM80-LABEL: func.func @m16_n8192
// SM80: tile = #qmm.tile<strategy = stream,
// SM80-NOT: split_k
func.func @m16_n8192(%x: tensor<16x8192xf16>, %qw: tensor<1024x8192xi32>, %qz: tensor<64x1024xi32>, %s: tensor<64x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>} : (tensor<16x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

// -----

// SM90-LABEL: func.func @m16_n10240
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 4>
func.func @m16_n10240(%x: tensor<16x8192xf16>, %qw: tensor<1024x10240xi32>, %qz: tensor<64x1280xi32>, %s: tensor<64x10240xf16>) -> tensor<16x10240xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>} : (tensor<16x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>) -> tensor<16x10240xf16>
  return %y : tensor<16x10240xf16>
}

// -----

// A split tile written in the input stays on sm_90a and is an error for
// sm_80, naming the op.
// SM90-LABEL: func.func @preset
// SM90: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2, split_k = 2>
// SM80ERR: error: 'qmm.matmul' op split_k = 2 needs thread-block clusters (sm_90 or newer), not sm_80
func.func @preset(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2, split_k = 2>} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}
