// RUN: gptq-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{reordered = true requires act_order = true}}
func.func private @reordered_without_act_order() attributes {l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1, reordered = true>}

// -----

// expected-error @+2 {{expected 'true' or 'false'}}
// expected-error @+1 {{failed to parse QMM_LayoutAttr parameter 'reordered'}}
func.func private @reordered_not_bool() attributes {l = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = 1>}

// -----

func.func @permutation_group(%g: tensor<256xi32>) -> tensor<256xi32> {
  // expected-error @+1 {{'qmm.act_order_permutation' op group_size must be -1 or positive, got 0}}
  %perm = qmm.act_order_permutation %g {group_size = 0 : i64} : tensor<256xi32> -> tensor<256xi32>
  return %perm : tensor<256xi32>
}

// -----

func.func @permutation_length(%g: tensor<256xi32>) -> tensor<128xi32> {
  // expected-error @+1 {{'qmm.act_order_permutation' op result has 128 channels but g_idx has 256 (a permutation of K channels)}}
  %perm = qmm.act_order_permutation %g {group_size = 128 : i64} : tensor<256xi32> -> tensor<128xi32>
  return %perm : tensor<128xi32>
}

// -----

func.func @permutation_rank(%g: tensor<2x128xi32>) -> tensor<256xi32> {
  // expected-error @+1 {{'qmm.act_order_permutation' op operand #0 must be 1D tensor of 32-bit signless integer values}}
  %perm = qmm.act_order_permutation %g {group_size = 128 : i64} : tensor<2x128xi32> -> tensor<256xi32>
  return %perm : tensor<256xi32>
}

// -----

func.func @permute_bits(%qw: tensor<32x64xi32>, %perm: tensor<256xi32>) -> tensor<32x64xi32> {
  // expected-error @+1 {{'qmm.permute_packed_rows' op bits must be 2, 3, 4 or 8, got 5}}
  %r = qmm.permute_packed_rows %qw, %perm {bits = 5 : i64} : (tensor<32x64xi32>, tensor<256xi32>) -> tensor<32x64xi32>
  return %r : tensor<32x64xi32>
}

// -----

func.func @permute_result(%qw: tensor<32x64xi32>, %perm: tensor<256xi32>) -> tensor<32x32xi32> {
  // expected-error @+1 {{'qmm.permute_packed_rows' op result type 'tensor<32x32xi32>' must equal the qweight type 'tensor<32x64xi32>'}}
  %r = qmm.permute_packed_rows %qw, %perm {bits = 4 : i64} : (tensor<32x64xi32>, tensor<256xi32>) -> tensor<32x32xi32>
  return %r : tensor<32x32xi32>
}

// -----

func.func @permute_rows(%qw: tensor<16x64xi32>, %perm: tensor<256xi32>) -> tensor<16x64xi32> {
  // expected-error @+1 {{'qmm.permute_packed_rows' op qweight has 16 packed rows, expected K * bits / 32 = 32 for K = 256 channels of perm}}
  %r = qmm.permute_packed_rows %qw, %perm {bits = 4 : i64} : (tensor<16x64xi32>, tensor<256xi32>) -> tensor<16x64xi32>
  return %r : tensor<16x64xi32>
}

// -----

func.func @permute_words(%qw: tensor<3x64xi32>, %perm: tensor<36xi32>) -> tensor<3x64xi32> {
  // expected-error @+1 {{'qmm.permute_packed_rows' op perm has 36 channels; K times bits = 3 must be a multiple of 32 (whole int32 words)}}
  %r = qmm.permute_packed_rows %qw, %perm {bits = 3 : i64} : (tensor<3x64xi32>, tensor<36xi32>) -> tensor<3x64xi32>
  return %r : tensor<3x64xi32>
}

// -----

func.func @dequant_reordered(%qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %g: tensor<256xi32>) -> tensor<256x64xf16> {
  // expected-error @+1 {{'qmm.dequant' op reordered layouts are only valid on qmm.matmul}}
  %w = qmm.dequant %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<256x64xf16>
  return %w : tensor<256x64xf16>
}

// -----

func.func @reordered_needs_perm(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'qmm.matmul' op layout has act_order = true but no g_idx operand}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
