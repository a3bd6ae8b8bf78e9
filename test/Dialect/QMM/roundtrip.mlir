// RUN: gptq-opt %s | gptq-opt | FileCheck %s

// CHECK-LABEL: func.func @matmul_plain
// CHECK: qmm.matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
func.func @matmul_plain(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// CHECK-LABEL: func.func @matmul_act_order_bias_bf16
// CHECK: qmm.matmul {{.*}} g_idx(%{{.*}}) bias(%{{.*}}) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = false, format = gptq_v2>}
func.func @matmul_act_order_bias_bf16(%x: tensor<5x64xbf16>, %qw: tensor<6x32xi32>, %qz: tensor<2x3xi32>, %s: tensor<2x32xbf16>, %g: tensor<64xi32>, %b: tensor<32xbf16>) -> tensor<5x32xbf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) bias(%b) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = false, format = gptq_v2>}
      : (tensor<5x64xbf16>, tensor<6x32xi32>, tensor<2x3xi32>, tensor<2x32xbf16>, tensor<64xi32>, tensor<32xbf16>) -> tensor<5x32xbf16>
  return %y : tensor<5x32xbf16>
}

// One group over the whole input dimension (group_size = -1), 2 and 8 bits.
// CHECK-LABEL: func.func @per_channel
// CHECK: group_size = -1
// CHECK: bits = 8
func.func @per_channel(%x: tensor<1x64xf16>, %qw2: tensor<4x32xi32>, %qz2: tensor<1x2xi32>, %s2: tensor<1x32xf16>,
                       %qw8: tensor<16x32xi32>, %qz8: tensor<1x8xi32>) -> (tensor<1x32xf16>, tensor<1x32xf16>) {
  %a = qmm.matmul %x, %qw2, %qz2, %s2 {layout = #qmm.layout<bits = 2, group_size = -1, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<1x64xf16>, tensor<4x32xi32>, tensor<1x2xi32>, tensor<1x32xf16>) -> tensor<1x32xf16>
  %b = qmm.matmul %x, %qw8, %qz8, %s2 {layout = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<1x64xf16>, tensor<16x32xi32>, tensor<1x8xi32>, tensor<1x32xf16>) -> tensor<1x32xf16>
  return %a, %b : tensor<1x32xf16>, tensor<1x32xf16>
}

// CHECK-LABEL: func.func @dequant
// CHECK: qmm.dequant %{{.*}}, %{{.*}}, %{{.*}} {layout = {{.*}}} : (tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<256x64xf16>
func.func @dequant(%qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<256x64xf16> {
  %w = qmm.dequant %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<256x64xf16>
  return %w : tensor<256x64xf16>
}

// split_k is printed only when it is not its default of 1.
// CHECK-LABEL: func.func private @split_tiles
// CHECK-SAME: one = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2>
// CHECK-SAME: three = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3, split_k = 3>
func.func private @split_tiles() attributes {
  one = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2, split_k = 1>,
  three = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3, split_k = 3>}

// A matmul that carries a tile and a kernel reference.
// CHECK-LABEL: func.func @annotated
// CHECK: tile = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 128, warps = 4, stages = 1>
func.func @annotated(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>,
                                    tile = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 128, warps = 4, stages = 1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
