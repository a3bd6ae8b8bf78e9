// RUN: gptq-opt %s -split-input-file --emit=cuda --arch=sm_90a | FileCheck %s
// RUN: gptq-opt %s -split-input-file --emit=manifest --arch=sm_90a | FileCheck %s --check-prefix=MANIFEST
// RUN: gptq-opt %s -split-input-file -qmm-select-tile="arch=sm_90a" -qmm-tile | FileCheck %s --check-prefix=IR

// The TMA-fed warpgroup tiles (strategy wgmma_tma, runtime/device/qmm/
// wgmma_tma.cuh), the default for 33-256 rows at 4 bits on sm_90a where the
// layer has at most 1.5 (65-256 rows: 1.25) 64-column tiles per SM. The
// kernel takes four `!qmm.tensor_map` parameters after the pointers, which
// the emitter passes as `const __grid_constant__ qmm::TensorMap` (the TMA
// unit reads them from the parameter space) and the manifest names by role
// so that launchers encode them (gptq/Runtime/QmmLaunch.h). One producer
// warp beside one consumer warpgroup: 160 threads. The buffers are always
// dynamic shared memory: here steps of 128 channels, 6 stages (the split
// grid of 128 CTAs leaves one per SM) of 21504 bytes (two x boxes 16384,
// weights 4096, scales 128, zero words 32, rounded up to 1024) plus 1024
// to align them, 130048; one CTA fits an SM, so the kernel asks registers
// for one.

#w4 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// CHECK: #include "qmm/wgmma_tma.cuh"
// CHECK-LABEL: // qmm_f16_w4g128_k4096_n4096_wgtma_m64n64k128w5s6c2
// CHECK-NEXT: //   layout #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>
// CHECK-NEXT: //   tile #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 64, block_k = 128, warps = 5, stages = 6, split_k = 2>
// CHECK-NEXT: extern "C" __global__ void __launch_bounds__(160, 1) __cluster_dims__(1, 1, 2)
// CHECK-NEXT: qmm_f16_w4g128_k4096_n4096_wgtma_m64n64k128w5s6c2(const __half *__restrict__ x, const uint32_t *__restrict__ qweight, const uint32_t *__restrict__ qzeros, const __half *__restrict__ scales, __half *__restrict__ y, int m, const __grid_constant__ qmm::TensorMap x_map, const __grid_constant__ qmm::TensorMap qweight_map, const __grid_constant__ qmm::TensorMap scales_map, const __grid_constant__ qmm::TensorMap qzeros_map) {
// CHECK-NEXT:   const int [[TN:v[0-9]+]] = int(blockIdx.x);
// CHECK-NEXT:   const int [[TM:v[0-9]+]] = int(blockIdx.y);
// CHECK-NEXT:   const int [[ROW:v[0-9]+]] = [[TM]] * 64;
// CHECK-NEXT:   const int [[COL:v[0-9]+]] = [[TN]] * 64;
// CHECK-NEXT:   qmm::wgmma_tma_matmul<160, qmm::QuantLayout<4, 128, false, qmm::ZeroStorage::MinusOne>, 64, 64, 128, 6, 2>(x_map, qweight_map, scales_map, qzeros_map, nullptr, y, m, 4096, 4096, [[ROW]], [[COL]]);
// CHECK-NEXT: }
// MANIFEST: "block_k": 128,
// MANIFEST: "dynamic_shared_bytes": 130048,
// MANIFEST: "name": "qmm_f16_w4g128_k4096_n4096_wgtma_m64n64k128w5s6c2",
// MANIFEST: "params": [
// MANIFEST-NEXT: "x",
// MANIFEST-NEXT: "qweight",
// MANIFEST-NEXT: "qzeros",
// MANIFEST-NEXT: "scales",
// MANIFEST-NEXT: "y",
// MANIFEST-NEXT: "m",
// MANIFEST-NEXT: "x_map",
// MANIFEST-NEXT: "qweight_map",
// MANIFEST-NEXT: "scales_map",
// MANIFEST-NEXT: "qzeros_map"
// MANIFEST: "split_k": 2,
// MANIFEST: "strategy": "wgmma_tma",
// MANIFEST: "threads": 160,
// IR-LABEL: gpu.func @qmm_f16_w4g128_k4096_n4096_wgtma_m64n64k128w5s6c2
// IR-SAME: %[[X:.*]]: memref<?x4096xf16> {qmm.param = "x"}, %[[QW:.*]]: memref<512x4096xi32> {qmm.param = "qweight"}, %[[QZ:.*]]: memref<32x512xi32> {qmm.param = "qzeros"}, %[[S:.*]]: memref<32x4096xf16> {qmm.param = "scales"}, %[[Y:.*]]: memref<?x4096xf16> {qmm.param = "y"}, %[[M:.*]]: index {qmm.param = "m"}, %[[XM:.*]]: !qmm.tensor_map {qmm.param = "x_map"}, %[[WM:.*]]: !qmm.tensor_map {qmm.param = "qweight_map"}, %[[SM:.*]]: !qmm.tensor_map {qmm.param = "scales_map"}, %[[ZM:.*]]: !qmm.tensor_map {qmm.param = "qzeros_map"})
// IR-SAME: known_block_size = array<i32: 160, 1, 1>
// IR: qmm.tile.wgmma_tma_matmul %[[X]], %[[QW]], %[[QZ]], %[[S]] maps(%[[XM]], %[[WM]], %[[SM]], %[[ZM]]) into %[[Y]][%{{.*}}, %{{.*}}] rows %[[M]]
func.func @batch64(%x: tensor<64x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<64x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4}
      : (tensor<64x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<64x4096xf16>
  return %y : tensor<64x4096xf16>
}

// -----

// Two consumer warpgroups (9 warps, 288 threads; 128 rows: one CTA per
// SM), bf16 with a bias and GPTQModel v2 zero points, one group spanning
// K (the layout's effective group size, K, is the template argument).
// CHECK-LABEL: // qmm_bf16_w4gall_asym_v2_k1024_n256_wgtma_m128n128k64w9s3_bias
// CHECK: extern "C" __global__ void __launch_bounds__(288, 1)
// CHECK-NEXT: qmm_bf16_w4gall_asym_v2_k1024_n256_wgtma_m128n128k64w9s3_bias(const __nv_bfloat16 *__restrict__ x, const uint32_t *__restrict__ qweight, const uint32_t *__restrict__ qzeros, const __nv_bfloat16 *__restrict__ scales, const __nv_bfloat16 *__restrict__ bias, __nv_bfloat16 *__restrict__ y, int m, const __grid_constant__ qmm::TensorMap x_map, const __grid_constant__ qmm::TensorMap qweight_map, const __grid_constant__ qmm::TensorMap scales_map, const __grid_constant__ qmm::TensorMap qzeros_map) {
// CHECK: qmm::wgmma_tma_matmul<288, qmm::QuantLayout<4, 1024, false, qmm::ZeroStorage::AsIs>, 128, 128, 64, 3>(x_map, qweight_map, scales_map, qzeros_map, bias, y, m, 1024, 256,
func.func @two_groups_bias(%x: tensor<?x1024xbf16>, %qw: tensor<128x256xi32>, %qz: tensor<1x32xi32>, %s: tensor<1x256xbf16>, %b: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qw, %qz, %s bias(%b) {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 128, block_n = 128, block_k = 64, warps = 9, stages = 3>}
      : (tensor<?x1024xbf16>, tensor<128x256xi32>, tensor<1x32xi32>, tensor<1x256xbf16>, tensor<256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

// Steps of 64 channels (groups of 64 allow no more), 6 stages of 11264
// bytes: 68608 bytes, three CTAs per SM.
// CHECK-LABEL: // qmm_f16_w4g64_k2048_n512_wgtma_m64n64k64w5s6c2
// CHECK: extern "C" __global__ void __launch_bounds__(160, 3) __cluster_dims__(1, 1, 2)
// CHECK: qmm::wgmma_tma_matmul<160, qmm::QuantLayout<4, 64, false, qmm::ZeroStorage::MinusOne>, 64, 64, 64, 6, 2>(x_map, qweight_map, scales_map, qzeros_map, nullptr, y, m, 2048, 512,
// MANIFEST: "dynamic_shared_bytes": 68608,
// MANIFEST: "name": "qmm_f16_w4g64_k2048_n512_wgtma_m64n64k64w5s6c2",
func.func @groups_of_64(%x: tensor<48x2048xf16>, %qw: tensor<256x512xi32>, %qz: tensor<32x64xi32>, %s: tensor<32x512xf16>) -> tensor<48x512xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 64, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<48x2048xf16>, tensor<256x512xi32>, tensor<32x64xi32>, tensor<32x512xf16>) -> tensor<48x512xf16>
  return %y : tensor<48x512xf16>
}
