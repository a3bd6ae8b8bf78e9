// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-select-tile -qmm-tile | FileCheck %s

// A reordered layout gets a stream tile even at a static M that would get
// an mma tile otherwise, and its own kernel name.
// CHECK-LABEL: func.func @select_stream
// CHECK: qmm.matmul {{.*}}kernel = @qmm_kernels::@qmm_f16_w4g128_reord_k256_n64_stream_m32{{.*}}tile = #qmm.tile<strategy = stream, block_m = 32
// CHECK: gpu.func @qmm_f16_w4g128_reord_k256_n64_stream_m32
// CHECK-SAME: {qmm.param = "g_idx"}
// CHECK: qmm.tile.stream_matmul {{.*}} g_idx(
func.func @select_stream(%x: tensor<300x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %perm: tensor<256xi32>) -> tensor<300x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<300x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<300x64xf16>
  return %y : tensor<300x64xf16>
}

// -----

// A hand-written mma tile on a reordered layout is an error naming the op.
func.func @mma_rejected(%x: tensor<300x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %perm: tensor<256xi32>) -> tensor<300x64xf16> {
  // expected-error @+1 {{'qmm.matmul' op has a reordered layout and a tile of strategy mma: only stream tiles gather x by the permutation}}
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>, tile = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 128, warps = 4, stages = 1>}
      : (tensor<300x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<300x64xf16>
  return %y : tensor<300x64xf16>
}

// -----

// The mma building block cannot gather x: load_dequant refuses the layout.
func.func @load_dequant_rejected(%qw: memref<32x64xi32>, %qz: memref<2x8xi32>, %s: memref<2x64xf16>, %perm: memref<256xi32>, %k: index, %n: index) {
  %w = qmm.tile.alloc_smem : !qmm.smem<64x64xf16>
  // expected-error @+1 {{'qmm.tile.load_dequant' op reordered layouts have no mma kernel; use a stream tile}}
  qmm.tile.load_dequant %qw, %qz, %s g_idx(%perm : memref<256xi32>) [%k, %n] into %w {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>} : memref<32x64xi32>, memref<2x8xi32>, memref<2x64xf16>, !qmm.smem<64x64xf16>
  return
}
