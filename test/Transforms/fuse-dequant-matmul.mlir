// RUN: gptq-opt %s -split-input-file -qmm-fuse-dequant-matmul | FileCheck %s

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// CHECK-LABEL: func.func @fuse_zero_fill
// CHECK-NOT: qmm.dequant
// CHECK-NOT: linalg.matmul
// CHECK: %[[Y:.*]] = qmm.matmul %arg0, %arg1, %arg2, %arg3 {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : (tensor<8x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<8x64xf16>
// CHECK: return %[[Y]]
func.func @fuse_zero_fill(%x: tensor<8x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<8x64xf16> {
  %w = qmm.dequant %qw, %qz, %s {layout = #l} : (tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<256x64xf16>
  %zero = arith.constant 0.0 : f16
  %empty = tensor.empty() : tensor<8x64xf16>
  %init = linalg.fill ins(%zero : f16) outs(%empty : tensor<8x64xf16>) -> tensor<8x64xf16>
  %y = linalg.matmul ins(%x, %w : tensor<8x256xf16>, tensor<256x64xf16>) outs(%init : tensor<8x64xf16>) -> tensor<8x64xf16>
  return %y : tensor<8x64xf16>
}

// -----

#l = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = false, format = gptq_v2>

// The g_idx of an act-order dequant moves onto the matmul.
// CHECK-LABEL: func.func @fuse_act_order
// CHECK: qmm.matmul %arg0, %arg1, %arg2, %arg3 g_idx(%arg4)
func.func @fuse_act_order(%x: tensor<2x64xf16>, %qw: tensor<6x32xi32>, %qz: tensor<2x3xi32>, %s: tensor<2x32xf16>, %g: tensor<64xi32>) -> tensor<2x32xf16> {
  %w = qmm.dequant %qw, %qz, %s g_idx(%g) {layout = #l} : (tensor<6x32xi32>, tensor<2x3xi32>, tensor<2x32xf16>, tensor<64xi32>) -> tensor<64x32xf16>
  %init = tensor.empty() : tensor<2x32xf16>
  %y = linalg.matmul ins(%x, %w : tensor<2x64xf16>, tensor<64x32xf16>) outs(%init : tensor<2x32xf16>) -> tensor<2x32xf16>
  return %y : tensor<2x32xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// Accumulating into a live value is not a plain dequant-matmul: untouched.
// CHECK-LABEL: func.func @keep_accumulating_matmul
// CHECK: qmm.dequant
// CHECK: linalg.matmul
// CHECK-NOT: qmm.matmul
func.func @keep_accumulating_matmul(%x: tensor<8x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %acc: tensor<8x64xf16>) -> tensor<8x64xf16> {
  %w = qmm.dequant %qw, %qz, %s {layout = #l} : (tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<256x64xf16>
  %y = linalg.matmul ins(%x, %w : tensor<8x256xf16>, tensor<256x64xf16>) outs(%acc : tensor<8x64xf16>) -> tensor<8x64xf16>
  return %y : tensor<8x64xf16>
}

// -----

#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

// A dequant with another user stays for that user.
// CHECK-LABEL: func.func @keep_shared_dequant
// CHECK: %[[W:.*]] = qmm.dequant
// CHECK: qmm.matmul
// CHECK: return %{{.*}}, %[[W]]
func.func @keep_shared_dequant(%x: tensor<8x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> (tensor<8x64xf16>, tensor<256x64xf16>) {
  %w = qmm.dequant %qw, %qz, %s {layout = #l} : (tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<256x64xf16>
  %init = tensor.empty() : tensor<8x64xf16>
  %y = linalg.matmul ins(%x, %w : tensor<8x256xf16>, tensor<256x64xf16>) outs(%init : tensor<8x64xf16>) -> tensor<8x64xf16>
  return %y, %w : tensor<8x64xf16>, tensor<256x64xf16>
}
