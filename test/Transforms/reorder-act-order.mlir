// RUN: gptq-opt %s -split-input-file -verify-diagnostics -qmm-reorder-act-order | FileCheck %s
// The pipeline option runs the pass before tile selection (default off).
// RUN: gptq-opt %s -split-input-file -verify-diagnostics -pass-pipeline='builtin.module(qmm-lower-to-cuda{reorder-act-order=true})' | FileCheck %s --check-prefix=PIPE
// RUN: gptq-opt %s -split-input-file -pass-pipeline='builtin.module(qmm-lower-to-cuda)' | FileCheck %s --check-prefix=OFF

// The rewrite: the permutation from g_idx, the regrouped qweight, and the
// matmul on both with a reordered layout.
// CHECK-LABEL: func.func @rewrite
// CHECK-SAME: (%[[X:.*]]: tensor<?x256xf16>, %[[QW:.*]]: tensor<32x64xi32>, %[[QZ:.*]]: tensor<2x8xi32>, %[[S:.*]]: tensor<2x64xf16>, %[[G:.*]]: tensor<256xi32>)
// CHECK-NEXT: %[[PERM:.*]] = qmm.act_order_permutation %[[G]] {group_size = 128 : i64} : tensor<256xi32> -> tensor<256xi32>
// CHECK-NEXT: %[[QW2:.*]] = qmm.permute_packed_rows %[[QW]], %[[PERM]] {bits = 4 : i64} : (tensor<32x64xi32>, tensor<256xi32>) -> tensor<32x64xi32>
// CHECK-NEXT: %[[Y:.*]] = qmm.matmul %[[X]], %[[QW2]], %[[QZ]], %[[S]] g_idx(%[[PERM]]) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1, reordered = true>}
// CHECK-NEXT: return %[[Y]]
// PIPE-LABEL: func.func @rewrite
// PIPE: qmm.act_order_permutation
// PIPE: qmm.permute_packed_rows
// PIPE: qmm.matmul {{.*}}kernel = @qmm_kernels::@qmm_f16_w4g128_reord_asym_k256_n64_stream_{{.*}}reordered = true{{.*}}tile = #qmm.tile<strategy = stream
// PIPE: qmm::QuantLayout<4, 128, false, qmm::ZeroStorage::MinusOne, true>
// OFF-LABEL: func.func @rewrite
// OFF-NOT: qmm.act_order_permutation
// OFF: qmm.matmul {{.*}}kernel = @qmm_kernels::@qmm_f16_w4g128_act_asym_k256_n64_stream_
func.func @rewrite(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %g: tensor<256xi32>) -> tensor<?x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

// Matmuls without act-order, and those already reordered, are untouched.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: qmm.act_order_permutation
// CHECK-NOT: qmm.permute_packed_rows
// CHECK: qmm.matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
// CHECK: qmm.matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} g_idx(%{{.*}}) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>}
// CHECK-NOT: qmm.act_order_permutation
// PIPE-LABEL: func.func @untouched
// PIPE-NOT: qmm.act_order_permutation
// OFF-LABEL: func.func @untouched
func.func @untouched(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %perm: tensor<256xi32>) -> (tensor<?x64xf16>, tensor<?x64xf16>) {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  %z = qmm.matmul %x, %qw, %qz, %s g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<?x64xf16>
  return %y, %z : tensor<?x64xf16>, tensor<?x64xf16>
}

// -----

// Bias, a stream tile and other attributes are kept; 3-bit bf16 at M = 1.
// CHECK-LABEL: func.func @bias_and_tile
// CHECK: %[[PERM:.*]] = qmm.act_order_permutation %{{.*}} {group_size = 32 : i64}
// CHECK: %[[QW2:.*]] = qmm.permute_packed_rows %{{.*}}, %[[PERM]] {bits = 3 : i64} : (tensor<24x64xi32>, tensor<256xi32>) -> tensor<24x64xi32>
// CHECK: qmm.matmul %{{.*}}, %[[QW2]], %{{.*}}, %{{.*}} g_idx(%[[PERM]]) bias(%{{.*}}) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = true, format = gptq_v2, reordered = true>, note = "kept", tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2>}
// CHECK-SAME: (tensor<1x256xbf16>, tensor<24x64xi32>, tensor<8x6xi32>, tensor<8x64xbf16>, tensor<256xi32>, tensor<64xbf16>) -> tensor<1x64xbf16>
// PIPE-LABEL: func.func @bias_and_tile
// PIPE: kernel = @qmm_kernels::@qmm_bf16_w3g32_reord_v2_k256_n64_stream_m8n32k128w4s2_bias
// OFF-LABEL: func.func @bias_and_tile
func.func @bias_and_tile(%x: tensor<1x256xbf16>, %qw: tensor<24x64xi32>, %qz: tensor<8x6xi32>, %s: tensor<8x64xbf16>, %g: tensor<256xi32>, %b: tensor<64xbf16>) -> tensor<1x64xbf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) bias(%b) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = true, format = gptq_v2>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2>, note = "kept"}
      : (tensor<1x256xbf16>, tensor<24x64xi32>, tensor<8x6xi32>, tensor<8x64xbf16>, tensor<256xi32>, tensor<64xbf16>) -> tensor<1x64xbf16>
  return %y : tensor<1x64xbf16>
}

// -----

// group_size = -1: one group spans K, every g_idx[k] is 0, so the channel
// order does not matter: the matmul drops g_idx and act-order, and needs no
// preparation.
// CHECK-LABEL: func.func @one_group
// CHECK-NOT: qmm.act_order_permutation
// CHECK-NOT: qmm.permute_packed_rows
// CHECK: qmm.matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}) {layout = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>}
// CHECK-SAME: (tensor<?x256xf16>, tensor<64x64xi32>, tensor<1x16xi32>, tensor<1x64xf16>, tensor<64xf16>) -> tensor<?x64xf16>
// PIPE-LABEL: func.func @one_group
// PIPE: kernel = @qmm_kernels::@qmm_f16_w8gall_k256_n64_stream_
// OFF-LABEL: func.func @one_group
func.func @one_group(%x: tensor<?x256xf16>, %qw: tensor<64x64xi32>, %qz: tensor<1x16xi32>, %s: tensor<1x64xf16>, %g: tensor<256xi32>, %b: tensor<64xf16>) -> tensor<?x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) bias(%b) {layout = #qmm.layout<bits = 8, group_size = -1, act_order = true, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<64x64xi32>, tensor<1x16xi32>, tensor<1x64xf16>, tensor<256xi32>, tensor<64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

// A hand-chosen mma tile keeps the act-order path: the mma strategy has no
// reordered variant.
// CHECK-LABEL: func.func @mma_tile
// CHECK-NOT: qmm.act_order_permutation
// CHECK: qmm.matmul %{{.*}} g_idx(%{{.*}}) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = mma
// PIPE-LABEL: func.func @mma_tile
// PIPE: kernel = @qmm_kernels::@qmm_f16_w4g128_act_asym_k256_n64_m16n64k128w4
// OFF-LABEL: func.func @mma_tile
func.func @mma_tile(%x: tensor<300x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %g: tensor<256xi32>) -> tensor<300x64xf16> {
  // expected-remark @+1 {{act-order matmul left as is: its mma tile has no reordered variant (use a stream tile or none)}}
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 128, warps = 4, stages = 1>}
      : (tensor<300x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<300x64xf16>
  return %y : tensor<300x64xf16>
}

// -----

// Without a tile, a large static M still gets a stream tile once reordered
// (qmm-select-tile never gives a reordered layout an mma tile).
// CHECK-LABEL: func.func @large_m
// CHECK: qmm.act_order_permutation
// CHECK: qmm.matmul {{.*}}reordered = true
// PIPE-LABEL: func.func @large_m
// PIPE: kernel = @qmm_kernels::@qmm_f16_w4g128_reord_asym_k256_n64_stream_m32
// PIPE-SAME: tile = #qmm.tile<strategy = stream, block_m = 32
// OFF-LABEL: func.func @large_m
// OFF: tile = #qmm.tile<strategy = mma
func.func @large_m(%x: tensor<300x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %g: tensor<256xi32>) -> tensor<300x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1>}
      : (tensor<300x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<300x64xf16>
  return %y : tensor<300x64xf16>
}
