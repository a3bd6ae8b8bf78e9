// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-tile | FileCheck %s

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>
#t = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 128, warps = 4, stages = 1>

// Two matmuls with the same layout, shape and tile share one kernel.
// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @two_uses
// CHECK: qmm.matmul {{.*}}kernel = @qmm_kernels::@qmm_f16_w4g128_k256_n64_m16n64k128w4
// CHECK: qmm.matmul {{.*}}kernel = @qmm_kernels::@qmm_f16_w4g128_k256_n64_m16n64k128w4
// CHECK: gpu.module @qmm_kernels
// CHECK: gpu.func @qmm_f16_w4g128_k256_n64_m16n64k128w4(
// CHECK-SAME: %{{.*}}: memref<?x256xf16> {qmm.param = "x"}
// CHECK-SAME: %{{.*}}: memref<32x64xi32> {qmm.param = "qweight"}
// CHECK-SAME: %{{.*}}: memref<2x8xi32> {qmm.param = "qzeros"}
// CHECK-SAME: %{{.*}}: memref<2x64xf16> {qmm.param = "scales"}
// CHECK-SAME: %{{.*}}: memref<?x64xf16> {qmm.param = "y"}
// CHECK-SAME: %[[M:.*]]: index {qmm.param = "m"}
// CHECK-SAME: kernel
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: gpu.block_id x
// CHECK: gpu.block_id y
// CHECK: qmm.tile.alloc_smem : !qmm.smem<16x128xf16>
// CHECK: qmm.tile.alloc_smem : !qmm.smem<64x128xf16>
// CHECK: qmm.tile.alloc_acc : !qmm.acc<16x64xf32>
// CHECK: qmm.tile.zero
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:   qmm.tile.load_act {{.*}}[%{{.*}}, %[[K]]] rows %[[M]]
// CHECK:   qmm.tile.load_dequant {{.*}}[%[[K]], %{{.*}}]
// CHECK:   gpu.barrier
// CHECK:   qmm.tile.mma
// CHECK:   gpu.barrier
// CHECK: }
// CHECK: qmm.tile.store {{.*}} rows %[[M]]
// CHECK: gpu.return
// CHECK-NOT: gpu.func
func.func @two_uses(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> (tensor<?x64xf16>, tensor<?x64xf16>) {
  %a = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #t} : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  %b = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #t} : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %a, %b : tensor<?x64xf16>, tensor<?x64xf16>
}

// -----

#l = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = false, format = gptq_v2>
#t = #qmm.tile<strategy = mma, block_m = 16, block_n = 32, block_k = 32, warps = 2, stages = 1>

// Act-order, asymmetric, v2, bf16 and a bias all show in the kernel's name
// and parameters.
// CHECK-LABEL: gpu.func @qmm_bf16_w3g32_act_asym_v2_k64_n32_m16n32k32w2_bias(
// CHECK-SAME: {qmm.param = "g_idx"}
// CHECK-SAME: {qmm.param = "bias"}
// CHECK-SAME: known_block_size = array<i32: 64, 1, 1>
// CHECK: qmm.tile.load_dequant {{.*}} g_idx(%{{.*}} : memref<64xi32>)
// CHECK: qmm.tile.store {{.*}} bias(%{{.*}} : memref<32xbf16>)
func.func @act_order(%x: tensor<2x64xbf16>, %qw: tensor<6x32xi32>, %qz: tensor<2x3xi32>, %s: tensor<2x32xbf16>, %g: tensor<64xi32>, %b: tensor<32xbf16>) -> tensor<2x32xbf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) bias(%b) {layout = #l, tile = #t}
      : (tensor<2x64xbf16>, tensor<6x32xi32>, tensor<2x3xi32>, tensor<2x32xbf16>, tensor<64xi32>, tensor<32xbf16>) -> tensor<2x32xbf16>
  return %y : tensor<2x32xbf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = true, format = gptq_v1>
#t = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 64, warps = 4, stages = 1>

func.func @k_not_multiple_of_block(%x: tensor<?x96xf16>, %qw: tensor<12x64xi32>, %qz: tensor<3x8xi32>, %s: tensor<3x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{K = 96 and N = 64 must be multiples of block_k = 64 and block_n = 64}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #t} : (tensor<?x96xf16>, tensor<12x64xi32>, tensor<3x8xi32>, tensor<3x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

// Matmuls without a tile are left for qmm-select-tile.
// CHECK-LABEL: func.func @untiled
// CHECK-NOT: kernel =
// CHECK-NOT: gpu.module
func.func @untiled(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
