// RUN: gptq-opt %s --emit=manifest --arch=sm_90a | FileCheck %s

// `early_start` (mlir::qmm::startsBeforeGatherEnds): only stream kernels
// may be launched as programmatic dependents of the act-order gather; the
// model and qmm-bench read it from the manifest, the JIT from the tile.
// `early_start_after_kernel` (startsBeforePriorKernelEnds): stream and
// split pipelined kernels may be launched so after the model's other
// kernels; unsplit pipelined ones wait first and may not.
// CHECK: "early_start": true,
// CHECK-NEXT: "early_start_after_kernel": true,
// CHECK: "name": "qmm_f16_w4g128_asym_k256_n256_stream_m8n32k128w4s2",
// CHECK: "early_start": false,
// CHECK-NEXT: "early_start_after_kernel": false,
// CHECK: "name": "qmm_f16_w4g128_asym_k256_n256_pipe_m64n128k64w4s3",
// CHECK: "early_start": false,
// CHECK-NEXT: "early_start_after_kernel": true,
// CHECK: "name": "qmm_f16_w4g128_asym_k256_n256_pipe_m16n128k64w4s3c2",
// CHECK: "early_start": false,
// CHECK-NEXT: "early_start_after_kernel": false,
// CHECK: "name": "qmm_f16_w4g128_asym_k256_n256_m16n128k128w4",

#w4 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>
func.func @stream_tile(%x: tensor<?x256xf16>, %qw: tensor<32x256xi32>, %qz: tensor<2x32xi32>, %s: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2>} : (tensor<?x256xf16>, tensor<32x256xi32>, tensor<2x32xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
func.func @pipelined_tile(%x: tensor<?x256xf16>, %qw: tensor<32x256xi32>, %qz: tensor<2x32xi32>, %s: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3>} : (tensor<?x256xf16>, tensor<32x256xi32>, tensor<2x32xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
func.func @split_pipelined_tile(%x: tensor<?x256xf16>, %qw: tensor<32x256xi32>, %qz: tensor<2x32xi32>, %s: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4, tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 64, warps = 4, stages = 3, split_k = 2>} : (tensor<?x256xf16>, tensor<32x256xi32>, tensor<2x32xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
func.func @mma_tile(%x: tensor<?x256xf16>, %qw: tensor<32x256xi32>, %qz: tensor<2x32xi32>, %s: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4, tile = #qmm.tile<strategy = mma, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 1>} : (tensor<?x256xf16>, tensor<32x256xi32>, tensor<2x32xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
