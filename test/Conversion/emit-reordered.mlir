// RUN: gptq-opt %s --emit=cuda | FileCheck %s
// RUN: gptq-opt %s --emit=manifest | FileCheck %s --check-prefix=MANIFEST

// A reordered act-order weight is emitted as a plain grouped layout
// (ActOrder false) whose kernel gathers x through the permutation passed as
// g_idx (XPermuted true); the act-order kernel of the same weight keeps the
// per-value path and a different name.
// CHECK: qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2(
// CHECK: qmm::stream_matmul<256, qmm::QuantLayout<4, 64, true, qmm::ZeroStorage::MinusOne>, 16, 64, 64, 2>(x, qweight, qzeros, scales, g_idx, nullptr, y,
// CHECK: qmm_f16_w4g64_reord_k512_n256_stream_m16n64k64w8s2_bias(
// CHECK-SAME: const int32_t *__restrict__ g_idx
// CHECK: qmm::stream_matmul<256, qmm::QuantLayout<4, 64, false, qmm::ZeroStorage::MinusOne, true>, 16, 64, 64, 2>(x, qweight, qzeros, scales, g_idx, bias, y,

// MANIFEST: "name": "qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2",
// MANIFEST: "reordered": false,
// MANIFEST: "act_order": true,
// MANIFEST: "name": "qmm_f16_w4g64_reord_k512_n256_stream_m16n64k64w8s2_bias",
// MANIFEST: "params": [
// MANIFEST-NEXT: "x",
// MANIFEST-NEXT: "qweight",
// MANIFEST-NEXT: "qzeros",
// MANIFEST-NEXT: "scales",
// MANIFEST-NEXT: "g_idx",
// MANIFEST-NEXT: "bias",
// MANIFEST-NEXT: "y",
// MANIFEST-NEXT: "m"
// MANIFEST-NEXT: ],
// MANIFEST-NEXT: "reordered": true,

#t = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 64, warps = 8, stages = 2>

func.func @act(%x: tensor<?x512xf16>, %qw: tensor<64x256xi32>, %qz: tensor<8x32xi32>, %s: tensor<8x256xf16>, %g: tensor<512xi32>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = true, sym = true, format = gptq_v1>, tile = #t}
      : (tensor<?x512xf16>, tensor<64x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>, tensor<512xi32>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @reordered(%x: tensor<?x512xf16>, %qw: tensor<64x256xi32>, %qz: tensor<8x32xi32>, %s: tensor<8x256xf16>, %perm: tensor<512xi32>, %b: tensor<256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%perm) bias(%b) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = true, sym = true, format = gptq_v1, reordered = true>, tile = #t}
      : (tensor<?x512xf16>, tensor<64x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>, tensor<512xi32>, tensor<256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
