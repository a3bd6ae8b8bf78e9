// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-select-tile="arch=sm_90a" | FileCheck %s
// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-select-tile="arch=sm_80" | FileCheck %s

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// Unknown M is treated as decode: one 16-row tile, the widest N block.
// CHECK-LABEL: func.func @decode
// CHECK: tile = #qmm.tile<strategy = mma, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 1>
func.func @decode(%x: tensor<?x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// Large M: 64-row tiles, block_k capped at 64 to fit static shared memory.
// CHECK-LABEL: func.func @prefill
// CHECK: tile = #qmm.tile<strategy = mma, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 1>
func.func @prefill(%x: tensor<256x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<256x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = true, format = gptq_v1>

// N = 96 is not a multiple of 64: 32-column blocks with two warps.
// CHECK-LABEL: func.func @narrow
// CHECK: tile = #qmm.tile<strategy = mma, block_m = 32, block_n = 32, block_k = 32, warps = 2, stages = 1>
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
