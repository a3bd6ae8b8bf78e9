// RUN: gptq-opt %s --emit=cuda --arch=sm_90a | FileCheck %s

// Decode (M = 1) tiles ask for the occupancy their grid can use
// (lib/Conversion/QMMToCUDA, autotune/DefaultConfigs.cpp): 8-warp CTAs
// want two per SM (128 registers); long-K layers of at most one column
// block per SM of the reference 132 get one CTA of 16 warps per SM.

#w4 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>

// 256 column blocks (and 128 with K = 4096, below): two 8-warp CTAs per SM.
// CHECK-LABEL: // qmm_f16_w4g128_asym_k8192_n8192_stream_m8n32k128w8s2
// CHECK: extern "C" __global__ void __launch_bounds__(256, 2)
func.func @two_per_sm(%x: tensor<1x8192xf16>, %qw: tensor<1024x8192xi32>, %qz: tensor<64x1024xi32>, %s: tensor<64x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4} : (tensor<1x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

// 128 column blocks, K = 11008: one 16-warp CTA per SM.
// CHECK-LABEL: // qmm_f16_w4g128_asym_k11008_n4096_stream_m8n32k128w16s2
// CHECK: extern "C" __global__ void __launch_bounds__(512, 1)
func.func @sixteen_warps(%x: tensor<1x11008xf16>, %qw: tensor<1376x4096xi32>, %qz: tensor<86x512xi32>, %s: tensor<86x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4} : (tensor<1x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

// The same layer at up to 16 rows, M unknown (M known takes 16-row
// pipelined tiles): 16 warps of 16 values per lane.
// CHECK-LABEL: // qmm_f16_w4g128_asym_k11008_n4096_stream_m16n32k64w16s2
// CHECK: extern "C" __global__ void __launch_bounds__(512, 1)
func.func @sixteen_warps_m16(%x: tensor<?x11008xf16>, %qw: tensor<1376x4096xi32>, %qz: tensor<86x512xi32>, %s: tensor<86x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4} : (tensor<?x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

// K = 4096: 8 warps, two CTAs per SM.
// CHECK-LABEL: // qmm_f16_w4g128_asym_k4096_n4096_stream_m8n32k128w8s2
// CHECK: extern "C" __global__ void __launch_bounds__(256, 2)
func.func @short_k(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

// A tile written by hand is emitted as asked: 16 warps on 4096 channels.
// CHECK-LABEL: // qmm_f16_w4g128_asym_k4096_n4096_stream_m8n32k64w16s2
// CHECK: extern "C" __global__ void __launch_bounds__(512, 1)
func.func @hand_written(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 64, warps = 16, stages = 2>} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

// Act-order weights: regrouped ones (x gathered into shared memory once,
// then the plain loop) ask for the plain kernel's occupancy; those that
// look up g_idx per value keep one CTA per SM.
#w4reord = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1, reordered = true>
#w4act = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1>
// CHECK-LABEL: // qmm_f16_w4g128_reord_asym_k4096_n4096_stream_m8n32k128w8s2
// CHECK: extern "C" __global__ void __launch_bounds__(256, 2)
func.func @regrouped(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>, %perm: tensor<4096xi32>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%perm) {layout = #w4reord, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 8, stages = 2>} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>, tensor<4096xi32>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}
// CHECK-LABEL: // qmm_f16_w4g128_act_asym_k4096_n4096_stream_m8n32k128w8s2
// CHECK: extern "C" __global__ void __launch_bounds__(256, 1)
func.func @act_order(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>, %g: tensor<4096xi32>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #w4act, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 8, stages = 2>} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>, tensor<4096xi32>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

// Column warps (stream.cuh): a wide decode layer's default tile gives each
// of 8 warps 32 columns of a 256-column block (224 CTAs for N = 57344) and
// asks for two CTAs per SM, like the K-splitting 8-warp tiles; 7 column
// warps (224 threads) ask for two as well.
// CHECK-LABEL: // qmm_f16_w4g128_asym_k8192_n57344_stream_m8n256k128w8s2
// CHECK: extern "C" __global__ void __launch_bounds__(256, 2)
// CHECK: qmm::stream_matmul<256, qmm::QuantLayout<4, 128, false, qmm::ZeroStorage::MinusOne>, 8, 256, 128, 2>(
func.func @column_warps(%x: tensor<1x8192xf16>, %qw: tensor<1024x57344xi32>, %qz: tensor<64x7168xi32>, %s: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4} : (tensor<1x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}
// CHECK-LABEL: // qmm_f16_w4g128_asym_k8192_n57344_stream_m8n224k128w7s2
// CHECK: extern "C" __global__ void __launch_bounds__(224, 2)
func.func @seven_column_warps(%x: tensor<1x8192xf16>, %qw: tensor<1024x57344xi32>, %qz: tensor<64x7168xi32>, %s: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 224, block_k = 128, warps = 7, stages = 2>} : (tensor<1x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}
