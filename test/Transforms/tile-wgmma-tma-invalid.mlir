// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-select-tile="arch=sm_90a" -qmm-tile

// Hand-written wgmma_tma tiles the kernel cannot run are refused when the
// kernel is built, naming the rule (autotune/TileLegality.cpp, the same
// checks gptq-tune and the autotune cache apply).

func.func @groups_of_32(%x: tensor<64x1024xf16>, %qw: tensor<128x256xi32>, %qz: tensor<32x32xi32>, %s: tensor<32x256xf16>) -> tensor<64x256xf16> {
  // expected-error @+1 {{wgmma_tma tiles need groups of a multiple of block_k = 64 channels (one scale row per step), got 32; use a wgmma tile}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 64, block_k = 64, warps = 5, stages = 4>}
      : (tensor<64x1024xf16>, tensor<128x256xi32>, tensor<32x32xi32>, tensor<32x256xf16>) -> tensor<64x256xf16>
  return %y : tensor<64x256xf16>
}

// -----

func.func @partial_step(%x: tensor<64x1056xf16>, %qw: tensor<132x256xi32>, %qz: tensor<1x32xi32>, %s: tensor<1x256xf16>) -> tensor<64x256xf16> {
  // expected-error @+1 {{wgmma_tma tiles need K = 1056 to be a multiple of block_k = 64 (whole steps)}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 64, block_k = 64, warps = 5, stages = 4>}
      : (tensor<64x1056xf16>, tensor<132x256xi32>, tensor<1x32xi32>, tensor<1x256xf16>) -> tensor<64x256xf16>
  return %y : tensor<64x256xf16>
}

// -----

func.func @one_group_two_tiles(%x: tensor<64x1024xf16>, %qw: tensor<128x256xi32>, %qz: tensor<8x32xi32>, %s: tensor<8x256xf16>) -> tensor<64x256xf16> {
  // expected-error @+1 {{wgmma_tma tiles need warps = 4 per consumer warpgroup + 1 producer (5 or 9) and block_n = 64 per warpgroup, got 5 warps and block_n = 128}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 128, block_k = 64, warps = 5, stages = 4>}
      : (tensor<64x1024xf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>) -> tensor<64x256xf16>
  return %y : tensor<64x256xf16>
}
