// RUN: gptq-opt %s -qmm-select-tile="arch=sm_90a" | FileCheck %s --check-prefix=H100
// RUN: gptq-opt %s -qmm-select-tile="arch=sm_90a sms=114" | FileCheck %s --check-prefix=PCIE
// RUN: not gptq-opt %s -qmm-select-tile="arch=sm_90a sms=0" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: gptq-opt %s --emit=cuda --arch=sm_90a --sms=114 | FileCheck %s --check-prefix=FLAG

// The default tiles size their grids against the target's SM count (`sms`,
// 132 by default: the H100 SXM they were measured on). 7B.down at M = 1 has
// 128 column blocks: one per SM of 132 gets a 16-warp CTA; with 114 SMs
// they do not fit one per SM, and it keeps 8 warps (two CTAs per SM).
// H100-LABEL: func.func @down_m1
// H100: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 16, stages = 2>
// PCIE-LABEL: func.func @down_m1
// PCIE: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 8, stages = 2>
func.func @down_m1(%x: tensor<1x11008xf16>, %qw: tensor<1376x4096xi32>, %qz: tensor<86x512xi32>, %s: tensor<86x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>} : (tensor<1x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

// 70B.o at M = 1 (256 column blocks): 8 warps where two CTAs per SM hold
// the grid (132 SMs), 4 warps where they do not (114).
// H100-LABEL: func.func @o_m1
// H100: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 8, stages = 2>
// PCIE-LABEL: func.func @o_m1
// PCIE: tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2>
func.func @o_m1(%x: tensor<1x8192xf16>, %qw: tensor<1024x8192xi32>, %qz: tensor<64x1024xi32>, %s: tensor<64x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>} : (tensor<1x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

// BAD: qmm-select-tile: sms must be at least 1, got 0

// gptq-opt --sms reaches the lowering pipeline's tile selection.
// FLAG: // qmm_f16_w4g128_asym_k11008_n4096_stream_m8n32k128w8s2
// FLAG: // qmm_f16_w4g128_asym_k8192_n8192_stream_m8n32k128w4s2
