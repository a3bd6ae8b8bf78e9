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

#l = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = false, format = gptq_v2>
#t = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 4, stages = 2>

// The stream strategy: one qmm.tile.stream_matmul is the whole body; K need
// not be a multiple of block_k (the last step is partial). The strategy and
// the stage count show in the name so both families can coexist.
// CHECK-LABEL: gpu.func @qmm_bf16_w3g32_act_asym_v2_k96_n32_stream_m16n32k128w4s2_bias(
// CHECK-SAME: %[[X:[^:]*]]: memref<?x96xbf16> {qmm.param = "x"}
// CHECK-SAME: %[[QW:[^:]*]]: memref<9x32xi32> {qmm.param = "qweight"}
// CHECK-SAME: %[[QZ:[^:]*]]: memref<3x3xi32> {qmm.param = "qzeros"}
// CHECK-SAME: %[[S:[^:]*]]: memref<3x32xbf16> {qmm.param = "scales"}
// CHECK-SAME: %[[G:[^:]*]]: memref<96xi32> {qmm.param = "g_idx"}
// CHECK-SAME: %[[B:[^:]*]]: memref<32xbf16> {qmm.param = "bias"}
// CHECK-SAME: %[[Y:[^:]*]]: memref<?x32xbf16> {qmm.param = "y"}
// CHECK-SAME: %[[M:[^:]*]]: index {qmm.param = "m"}
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[TN:.*]] = gpu.block_id x
// CHECK: %[[TM:.*]] = gpu.block_id y
// CHECK: %[[ROW:.*]] = arith.muli %[[TM]], %{{.*}}
// CHECK: %[[COL:.*]] = arith.muli %[[TN]], %{{.*}}
// CHECK-NEXT: qmm.tile.stream_matmul %[[X]], %[[QW]], %[[QZ]], %[[S]] g_idx(%[[G]] : memref<96xi32>) bias(%[[B]] : memref<32xbf16>) into %[[Y]][%[[ROW]], %[[COL]]] rows %[[M]] {layout = #qmm.layout<bits = 3, {{.*}}>, tile = #qmm.tile<strategy = stream, {{.*}}>}
// CHECK-NEXT: gpu.return
// CHECK-NOT: scf.for
func.func @stream(%x: tensor<?x96xbf16>, %qw: tensor<9x32xi32>, %qz: tensor<3x3xi32>, %s: tensor<3x32xbf16>, %g: tensor<96xi32>, %b: tensor<32xbf16>) -> tensor<?x32xbf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) bias(%b) {layout = #l, tile = #t}
      : (tensor<?x96xbf16>, tensor<9x32xi32>, tensor<3x3xi32>, tensor<3x32xbf16>, tensor<96xi32>, tensor<32xbf16>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

func.func @stream_bad_block_m(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{stream tiles need block_m = 8, 16 or 32, got 48}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #qmm.tile<strategy = stream, block_m = 48, block_n = 64, block_k = 128, warps = 4, stages = 2>} : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// Wider than 64 columns, block_n must give each warp 32 or 64 of its own.
func.func @stream_bad_block_n(%x: tensor<?x256xf16>, %qw: tensor<32x384xi32>, %qz: tensor<2x48xi32>, %s: tensor<2x384xf16>) -> tensor<?x384xf16> {
  // expected-error @+1 {{stream tiles need block_n = 32 or 64, or warps x 32 or warps x 64 (each warp its own columns), got 96 with 4 warps}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 96, block_k = 128, warps = 4, stages = 2>} : (tensor<?x256xf16>, tensor<32x384xi32>, tensor<2x48xi32>, tensor<2x384xf16>) -> tensor<?x384xf16>
  return %y : tensor<?x384xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

func.func @stream_bad_block_k(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{stream tiles need block_k = 4 lanes x a whole number of 8-value units for 4-bit codes, at most 128, got 256}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 256, warps = 4, stages = 2>} : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

func.func @stream_bad_stages(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{stream tiles need stages = 2, 3 or 4 (register buffers: one in use, the others loading), got 1}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 128, warps = 4, stages = 1>} : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

func.func @stream_too_many_buffers(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{stream tiles need stages = 2, 3 or 4 (register buffers: one in use, the others loading), got 5}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 4, stages = 5>} : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = true, format = gptq_v1>
#t = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 64, warps = 8, stages = 3>

// The pipelined strategy: one qmm.tile.pipelined_matmul is the whole body,
// named with its stages; K = 352 leaves a partial last step.
// CHECK-LABEL: gpu.func @qmm_f16_w4g32_k352_n128_pipe_m16n128k64w8s3(
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK: qmm.tile.pipelined_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} {layout = #qmm.layout<bits = 4, {{.*}}>, tile = #qmm.tile<strategy = pipelined, {{.*}}>}
// CHECK-NEXT: gpu.return
func.func @pipelined(%x: tensor<?x352xf16>, %qw: tensor<44x128xi32>, %qz: tensor<11x16xi32>, %s: tensor<11x128xf16>) -> tensor<?x128xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l, tile = #t}
      : (tensor<?x352xf16>, tensor<44x128xi32>, tensor<11x16xi32>, tensor<11x128xf16>) -> tensor<?x128xf16>
  return %y : tensor<?x128xf16>
}

// -----

// A pipelined tile on an act-order layout is an error naming the op and why.
func.func @pipelined_act_order(%x: tensor<?x256xf16>, %qw: tensor<32x128xi32>, %qz: tensor<2x16xi32>, %s: tensor<2x128xf16>, %g: tensor<256xi32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{'qmm.matmul' op pipelined tiles need a layout without act-order (they read one group per step); use an mma tile, or a stream tile after qmm-reorder-act-order}}
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3>}
      : (tensor<?x256xf16>, tensor<32x128xi32>, tensor<2x16xi32>, tensor<2x128xf16>, tensor<256xi32>) -> tensor<?x128xf16>
  return %y : tensor<?x128xf16>
}

// -----

// Warps that do not divide into column blocks, row blocks and slices.
func.func @pipelined_bad_warps(%x: tensor<?x256xf16>, %qw: tensor<32x128xi32>, %qz: tensor<2x16xi32>, %s: tensor<2x128xf16>) -> tensor<?x128xf16> {
  // expected-error @+1 {{'qmm.matmul' op pipelined tiles need warps = (block_n / 32) x (warp row blocks) x (channel slices): 4 column block(s) and 1 row block(s) do not divide 2 warps}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 2, stages = 3>}
      : (tensor<?x256xf16>, tensor<32x128xi32>, tensor<2x16xi32>, tensor<2x128xf16>) -> tensor<?x128xf16>
  return %y : tensor<?x128xf16>
}

// -----

// Four stages of a 64 x 128 tile exceed static shared memory.
func.func @pipelined_too_much_shared(%x: tensor<?x256xf16>, %qw: tensor<32x128xi32>, %qz: tensor<2x16xi32>, %s: tensor<2x128xf16>) -> tensor<?x128xf16> {
  // expected-error @+1 {{'qmm.matmul' op pipelined tile needs 50432 bytes of shared memory, over the 48 KB static limit; use fewer stages or smaller blocks}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 4>}
      : (tensor<?x256xf16>, tensor<32x128xi32>, tensor<2x16xi32>, tensor<2x128xf16>) -> tensor<?x128xf16>
  return %y : tensor<?x128xf16>
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

