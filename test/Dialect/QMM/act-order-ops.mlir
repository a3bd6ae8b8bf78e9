// RUN: gptq-opt %s | FileCheck %s
// RUN: gptq-opt %s | gptq-opt | FileCheck %s
// RUN: gptq-opt %s --mlir-print-op-generic | gptq-opt | FileCheck %s

// `reordered` is optional: absent means false and false is not printed, so
// layouts written before it existed keep their spelling.
// CHECK-LABEL: func.func private @layouts
// CHECK-SAME: plain = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1>
// CHECK-SAME: reordered = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>
// CHECK-SAME: spelled_false = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1>
func.func private @layouts() attributes {
  plain = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1>,
  reordered = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>,
  spelled_false = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = false>}

// The load-time preparation ops and a matmul on their results.
// CHECK-LABEL: func.func @prepared
// CHECK: %[[PERM:.*]] = qmm.act_order_permutation %{{.*}} {group_size = 128 : i64} : tensor<256xi32> -> tensor<256xi32>
// CHECK: %[[QW:.*]] = qmm.permute_packed_rows %{{.*}}, %[[PERM]] {bits = 4 : i64} : (tensor<32x64xi32>, tensor<256xi32>) -> tensor<32x64xi32>
// CHECK: qmm.matmul %{{.*}}, %[[QW]], %{{.*}}, %{{.*}} g_idx(%[[PERM]]) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>}
func.func @prepared(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %g: tensor<256xi32>) -> tensor<?x64xf16> {
  %perm = qmm.act_order_permutation %g {group_size = 128 : i64} : tensor<256xi32> -> tensor<256xi32>
  %qw2 = qmm.permute_packed_rows %qw, %perm {bits = 4 : i64} : (tensor<32x64xi32>, tensor<256xi32>) -> tensor<32x64xi32>
  %y = qmm.matmul %x, %qw2, %qz, %s g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// Dynamic sizes, 3-bit words and a group spanning K verify.
// CHECK-LABEL: func.func @dynamic
// CHECK: qmm.act_order_permutation %{{.*}} {group_size = -1 : i64} : tensor<?xi32> -> tensor<?xi32>
// CHECK: qmm.permute_packed_rows %{{.*}}, %{{.*}} {bits = 3 : i64} : (tensor<?x64xi32>, tensor<?xi32>) -> tensor<?x64xi32>
// CHECK: qmm.permute_packed_rows %{{.*}}, %{{.*}} {bits = 3 : i64} : (tensor<24x64xi32>, tensor<256xi32>) -> tensor<24x64xi32>
func.func @dynamic(%g: tensor<?xi32>, %qw: tensor<?x64xi32>, %qw3: tensor<24x64xi32>, %g3: tensor<256xi32>) -> (tensor<?x64xi32>, tensor<24x64xi32>) {
  %perm = qmm.act_order_permutation %g {group_size = -1 : i64} : tensor<?xi32> -> tensor<?xi32>
  %qw2 = qmm.permute_packed_rows %qw, %perm {bits = 3 : i64} : (tensor<?x64xi32>, tensor<?xi32>) -> tensor<?x64xi32>
  %qw4 = qmm.permute_packed_rows %qw3, %g3 {bits = 3 : i64} : (tensor<24x64xi32>, tensor<256xi32>) -> tensor<24x64xi32>
  return %qw2, %qw4 : tensor<?x64xi32>, tensor<24x64xi32>
}
