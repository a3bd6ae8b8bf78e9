// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-select-tile="arch=sm_90a" | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-select-tile="arch=sm_80" | FileCheck %s --check-prefixes=CHECK,SM80

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// Unknown M falls in the 16-row bucket: the stream strategy, 32-column
// blocks; N / 32 = 128 CTAs is a small grid (at most two per SM), so 8 warps
// split K, with 4 units of 8 codes per lane and step (block_k = 4 lanes x
// 32) and two register buffers.
// CHECK-LABEL: func.func @decode
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 8, stages = 2>
func.func @decode(%x: tensor<?x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// M = 1 gets 8-row blocks (one mma n8 tile); M = 16 is the 16-row bucket
// (sm_90a: 16-row pipelined tiles of 64 columns, K split 6 ways, on this
// narrow 4-bit layer); M = 17 falls in the 64 bucket: still a stream, with
// 32-row blocks and 16 codes per lane and step (x registers), 4 warps
// whatever the grid.
// CHECK-LABEL: func.func @m1
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 8, stages = 2>
// CHECK-LABEL: func.func @m16
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 64, block_k = 128, warps = 2, stages = 3, split_k = 6>
// SM80: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 8, stages = 2>
// CHECK-LABEL: func.func @m17
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 32, block_k = 64, warps = 4, stages = 2>
func.func @m1(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}
func.func @m16(%x: tensor<16x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<16x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}
func.func @m17(%x: tensor<17x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<17x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<17x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<17x4096xf16>
  return %y : tensor<17x4096xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// Wide N (more than two CTAs per SM): 4 warps, 16 codes per lane and step
// and three register buffers at 16 rows. At N = 8192 (4 bits), 64-column
// blocks (half the x each CTA reads) of 8 warps, two buffers, 32 codes of
// each column vector per lane on sm_90+ (8 loads; sm_80 4): at most one
// CTA per SM.
// CHECK-LABEL: func.func @decode_wide
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 64, warps = 4, stages = 3>
// CHECK-LABEL: func.func @decode_8192
// SM90: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 128, warps = 8, stages = 2>
// SM80: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 64, warps = 8, stages = 2>
func.func @decode_wide(%x: tensor<?x4096xf16>, %qw: tensor<512x17408xi32>, %qz: tensor<32x2176xi32>, %s: tensor<32x17408xf16>) -> tensor<?x17408xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xf16>, tensor<512x17408xi32>, tensor<32x2176xi32>, tensor<32x17408xf16>) -> tensor<?x17408xf16>
  return %y : tensor<?x17408xf16>
}
func.func @decode_8192(%x: tensor<?x8192xf16>, %qw: tensor<1024x8192xi32>, %qz: tensor<64x1024xi32>, %s: tensor<64x8192xf16>) -> tensor<?x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<?x8192xf16>
  return %y : tensor<?x8192xf16>
}

// -----

// Other bit widths: a lane's step stays within 32 codes (2 bits: 2 units of
// 16; 3 bits: 1 unit of 32 in 3 words; 8 bits: 4 units of 4) on small
// grids, 16 on wide ones (8 bits: 4 units of 4 again).
// CHECK-LABEL: func.func @w2
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 8, stages = 2>
// CHECK-LABEL: func.func @w3
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 8, stages = 2>
// CHECK-LABEL: func.func @w8
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 64, warps = 8, stages = 2>
// CHECK-LABEL: func.func @w8_wide
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 64, warps = 4, stages = 3>
func.func @w2(%x: tensor<?x256xf16>, %qw: tensor<16x256xi32>, %qz: tensor<2x16xi32>, %s: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<?x256xf16>, tensor<16x256xi32>, tensor<2x16xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
func.func @w3(%x: tensor<?x256xf16>, %qw: tensor<24x256xi32>, %qz: tensor<2x24xi32>, %s: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<?x256xf16>, tensor<24x256xi32>, tensor<2x24xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
func.func @w8(%x: tensor<?x256xf16>, %qw: tensor<64x256xi32>, %qz: tensor<2x64xi32>, %s: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<?x256xf16>, tensor<64x256xi32>, tensor<2x64xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
func.func @w8_wide(%x: tensor<16x256xf16>, %qw: tensor<64x17408xi32>, %qz: tensor<2x4352xi32>, %s: tensor<2x17408xf16>) -> tensor<16x17408xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<16x256xf16>, tensor<64x17408xi32>, tensor<2x4352xi32>, tensor<2x17408xf16>) -> tensor<16x17408xf16>
  return %y : tensor<16x17408xf16>
}

// -----

// M = 1 on wide N: 8-row blocks, 4 warps, two register buffers; 2-bit
// codes take 64 columns where that still gives two CTAs per SM (measured
// faster), the others 32. 4- and 8-bit layers whose 256-column grid has at
// least 1.5 CTAs per SM (N / 256 >= 198: the fused 70B gate-up) take the
// stream tile of 8 column warps instead (block_n = 8 x 32); 2-bit ones
// keep the decode tile.
// CHECK-LABEL: func.func @m1_w4_wide
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2>
// CHECK-LABEL: func.func @m1_w4_gateup
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 256, block_k = 128, warps = 8, stages = 2>
// CHECK-LABEL: func.func @m1_w8_gateup
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 256, block_k = 128, warps = 8, stages = 2>
// CHECK-LABEL: func.func @m1_w2_gateup
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 64, block_k = 128, warps = 4, stages = 2>
// CHECK-LABEL: func.func @m1_w8_wide
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 64, warps = 4, stages = 2>
// CHECK-LABEL: func.func @m1_w2_wide
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 64, block_k = 128, warps = 4, stages = 2>
func.func @m1_w4_wide(%x: tensor<1x4096xf16>, %qw: tensor<512x17408xi32>, %qz: tensor<32x2176xi32>, %s: tensor<32x17408xf16>) -> tensor<1x17408xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<1x4096xf16>, tensor<512x17408xi32>, tensor<32x2176xi32>, tensor<32x17408xf16>) -> tensor<1x17408xf16>
  return %y : tensor<1x17408xf16>
}
func.func @m1_w4_gateup(%x: tensor<1x8192xf16>, %qw: tensor<1024x57344xi32>, %qz: tensor<64x7168xi32>, %s: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<1x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}
func.func @m1_w8_gateup(%x: tensor<1x8192xf16>, %qw: tensor<2048x57344xi32>, %qz: tensor<64x14336xi32>, %s: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<1x8192xf16>, tensor<2048x57344xi32>, tensor<64x14336xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}
func.func @m1_w2_gateup(%x: tensor<1x8192xf16>, %qw: tensor<512x57344xi32>, %qz: tensor<64x3584xi32>, %s: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<1x8192xf16>, tensor<512x57344xi32>, tensor<64x3584xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}
func.func @m1_w8_wide(%x: tensor<1x256xf16>, %qw: tensor<64x17408xi32>, %qz: tensor<2x4352xi32>, %s: tensor<2x17408xf16>) -> tensor<1x17408xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<1x256xf16>, tensor<64x17408xi32>, tensor<2x4352xi32>, tensor<2x17408xf16>) -> tensor<1x17408xf16>
  return %y : tensor<1x17408xf16>
}
func.func @m1_w2_wide(%x: tensor<1x256xf16>, %qw: tensor<16x17408xi32>, %qz: tensor<2x1088xi32>, %s: tensor<2x17408xf16>) -> tensor<1x17408xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<1x256xf16>, tensor<16x17408xi32>, tensor<2x1088xi32>, tensor<2x17408xf16>) -> tensor<1x17408xf16>
  return %y : tensor<1x17408xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// Large M, 4 bits: on sm_90a the TMA-fed wgmma_tma tiles, 128 rows,
// steps of 128 channels, four stages (one CTA per SM, dynamic shared
// memory). One consumer warpgroup (64 columns) at 256 rows where two
// warpgroups' grid would leave its last wave emptier (N = 4096: 64 CTAs;
// N = 12288: 192), two (128 columns) where their CTAs fill the waves as
// well (N = 12288 at 100 rows: 96 CTAs in one wave). sm_80 takes the
// pipelined strategy, 64 x 128 tiles of 4 warps, block_k 64, three
// stages (37 KB of static shared memory), no clusters.
// CHECK-LABEL: func.func @prefill
// SM90: tile = #qmm.tile<strategy = wgmma_tma, block_m = 128, block_n = 64, block_k = 128, warps = 5, stages = 4>
// SM80: tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3>
// CHECK-LABEL: func.func @prefill_wide
// SM90: tile = #qmm.tile<strategy = wgmma_tma, block_m = 128, block_n = 64, block_k = 128, warps = 5, stages = 4>
// SM80: tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3>
// CHECK-LABEL: func.func @m100_wide
// SM90: tile = #qmm.tile<strategy = wgmma_tma, block_m = 128, block_n = 128, block_k = 128, warps = 9, stages = 4>
func.func @prefill(%x: tensor<256x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<256x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}
func.func @prefill_wide(%x: tensor<256x4096xf16>, %qw: tensor<512x12288xi32>, %qz: tensor<32x1536xi32>, %s: tensor<32x12288xf16>) -> tensor<256x12288xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<256x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<256x12288xf16>
  return %y : tensor<256x12288xf16>
}
func.func @m100_wide(%x: tensor<100x4096xf16>, %qw: tensor<512x12288xi32>, %qz: tensor<32x1536xi32>, %s: tensor<32x12288xf16>) -> tensor<100x12288xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<100x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<100x12288xf16>
  return %y : tensor<100x12288xf16>
}

// -----

// Up to 16 rows on wide layers (N >= 10240, or N = 8192 with K <= N), 4
// bits and sm_90a: 16-row pipelined tiles of 128 channels per step, K split
// to reach two waves (96 column blocks: 3 ways), or 2 ways where that fills
// one wave (64 column blocks on 132 SMs); 3 bits, sm_80 and N = 8192 with a
// longer K keep the stream kernel.
// CHECK-LABEL: func.func @m16_wide
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 3>
// SM80: tile = #qmm.tile<strategy = stream, block_m = 16
// CHECK-LABEL: func.func @m16_wide_w3
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 16
// CHECK-LABEL: func.func @m16_8192
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 2>
// SM80: tile = #qmm.tile<strategy = stream, block_m = 16
// CHECK-LABEL: func.func @m16_8192_long_k
// SM90: tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 128, warps = 8, stages = 2>
// SM80: tile = #qmm.tile<strategy = stream, block_m = 16
// 2-8 known rows (4 bits) on layers up to N = 12288 take the decode tile;
// wider ones keep the 16-row tiles.
// CHECK-LABEL: func.func @m4_wide
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2>
// CHECK-LABEL: func.func @m8_gateup
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 2>
// SM80: tile = #qmm.tile<strategy = stream, block_m = 16
func.func @m16_wide(%x: tensor<16x4096xf16>, %qw: tensor<512x12288xi32>, %qz: tensor<32x1536xi32>, %s: tensor<32x12288xf16>) -> tensor<16x12288xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<16x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<16x12288xf16>
  return %y : tensor<16x12288xf16>
}
func.func @m16_wide_w3(%x: tensor<16x4096xf16>, %qw: tensor<384x12288xi32>, %qz: tensor<32x1152xi32>, %s: tensor<32x12288xf16>) -> tensor<16x12288xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<16x4096xf16>, tensor<384x12288xi32>, tensor<32x1152xi32>, tensor<32x12288xf16>) -> tensor<16x12288xf16>
  return %y : tensor<16x12288xf16>
}
func.func @m16_8192(%x: tensor<16x8192xf16>, %qw: tensor<1024x8192xi32>, %qz: tensor<64x1024xi32>, %s: tensor<64x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<16x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
func.func @m16_8192_long_k(%x: tensor<16x28672xf16>, %qw: tensor<3584x8192xi32>, %qz: tensor<224x1024xi32>, %s: tensor<224x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<16x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
func.func @m4_wide(%x: tensor<4x4096xf16>, %qw: tensor<512x12288xi32>, %qz: tensor<32x1536xi32>, %s: tensor<32x12288xf16>) -> tensor<4x12288xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<4x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<4x12288xf16>
  return %y : tensor<4x12288xf16>
}
func.func @m8_gateup(%x: tensor<8x4096xf16>, %qw: tensor<512x22016xi32>, %qz: tensor<32x2752xi32>, %s: tensor<32x22016xf16>) -> tensor<8x22016xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<8x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<8x22016xf16>
  return %y : tensor<8x22016xf16>
}

// -----

// M = 64 at 4 bits on sm_90a, layers of at most 1.5 64-column tiles per
// SM: 64 x 64 wgmma_tma tiles of one consumer warpgroup and a producer
// warp, steps of 128 channels, split 2 ways; 192 column blocks (384 CTAs,
// past two per SM) take three stages, 64 (128 CTAs, one per SM) six.
// Elsewhere the pipelined strategy on wider layers
// (N >= 8192 on sm_90a, where K splits across a cluster; N >= 12288 on
// sm_80); 2 bits keep the stream kernel on N = 4096; 3 bits: 32-row tiles
// with block_k 128 (one 32-value unit per lane); 8 bits: two stages (the
// weight tile is twice the 4-bit one). Act-order batches keep the mma
// strategy.
// CHECK-LABEL: func.func @m64_wide
// SM90: tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 64, block_k = 128, warps = 5, stages = 3, split_k = 2>
// SM80: tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3>
// CHECK-LABEL: func.func @m64_narrow
// SM90: tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 64, block_k = 128, warps = 5, stages = 6, split_k = 2>
// SM80: tile = #qmm.tile<strategy = stream
// CHECK-LABEL: func.func @m64_narrow_w2
// CHECK: tile = #qmm.tile<strategy = stream
// CHECK-LABEL: func.func @w3_prefill
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 32, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 2>
// SM80: tile = #qmm.tile<strategy = pipelined, block_m = 32, block_n = 128, block_k = 128, warps = 4, stages = 3>
// CHECK-LABEL: func.func @w8_prefill
// SM90: tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 2, split_k = 2>
// SM80: tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 2>
// CHECK-LABEL: func.func @act_order_prefill
// CHECK: tile = #qmm.tile<strategy = mma, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 1>
func.func @m64_wide(%x: tensor<64x4096xf16>, %qw: tensor<512x12288xi32>, %qz: tensor<32x1536xi32>, %s: tensor<32x12288xf16>) -> tensor<64x12288xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<64x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<64x12288xf16>
  return %y : tensor<64x12288xf16>
}
func.func @m64_narrow(%x: tensor<64x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<64x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<64x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<64x4096xf16>
  return %y : tensor<64x4096xf16>
}
func.func @m64_narrow_w2(%x: tensor<64x4096xf16>, %qw: tensor<256x4096xi32>, %qz: tensor<32x256xi32>, %s: tensor<32x4096xf16>) -> tensor<64x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<64x4096xf16>, tensor<256x4096xi32>, tensor<32x256xi32>, tensor<32x4096xf16>) -> tensor<64x4096xf16>
  return %y : tensor<64x4096xf16>
}
func.func @w3_prefill(%x: tensor<256x4096xf16>, %qw: tensor<384x4096xi32>, %qz: tensor<32x384xi32>, %s: tensor<32x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<256x4096xf16>, tensor<384x4096xi32>, tensor<32x384xi32>, tensor<32x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}
func.func @w8_prefill(%x: tensor<256x4096xf16>, %qw: tensor<1024x4096xi32>, %qz: tensor<32x1024xi32>, %s: tensor<32x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<256x4096xf16>, tensor<1024x4096xi32>, tensor<32x1024xi32>, tensor<32x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}
func.func @act_order_prefill(%x: tensor<256x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>, %g: tensor<4096xi32>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1>} : (tensor<256x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>, tensor<4096xi32>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = true, format = gptq_v1>

// N = 96: 32-column blocks; group size 32 keeps a step inside one group
// (block_k = 32, so that scales apply after the mma), which also makes
// K = 96 a whole number of steps.
// CHECK-LABEL: func.func @narrow
// CHECK: tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 32, block_k = 32, warps = 4, stages = 2>
func.func @narrow(%x: tensor<40x96xf16>, %qw: tensor<12x96xi32>, %qz: tensor<3x12xi32>, %s: tensor<3x96xf16>) -> tensor<40x96xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<40x96xf16>, tensor<12x96xi32>, tensor<3x12xi32>, tensor<3x96xf16>) -> tensor<40x96xf16>
  return %y : tensor<40x96xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// A tile already chosen (by hand or the autotune cache) is kept.
// CHECK-LABEL: func.func @keep
// CHECK: tile = #qmm.tile<strategy = mma, block_m = 32, block_n = 64, block_k = 32, warps = 2, stages = 1>
func.func @keep(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #qmm.tile<strategy = mma, block_m = 32, block_n = 64, block_k = 32, warps = 2, stages = 1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

#l = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>

func.func @k_not_multiple_of_32(%x: tensor<?x40xf16>, %qw: tensor<10x64xi32>, %qz: tensor<1x16xi32>, %s: tensor<1x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot be tiled: input features K = 40 must be a positive multiple of 32}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x40xf16>, tensor<10x64xi32>, tensor<1x16xi32>, tensor<1x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

#l = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>

func.func @dynamic_n(%x: tensor<?x64xf16>, %qw: tensor<16x?xi32>, %qz: tensor<1x?xi32>, %s: tensor<1x?xf16>) -> tensor<?x?xf16> {
  // expected-error @+1 {{needs static K and N to select a kernel tile}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x64xf16>, tensor<16x?xi32>, tensor<1x?xi32>, tensor<1x?xf16>) -> tensor<?x?xf16>
  return %y : tensor<?x?xf16>
}
