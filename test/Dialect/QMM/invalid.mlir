// RUN: gptq-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{bits must be 2, 3, 4 or 8, got 5}}
func.func private @bad_bits() attributes {l = #qmm.layout<bits = 5, group_size = 128, act_order = false, sym = true, format = gptq_v1>}

// -----

// expected-error @+1 {{group_size must be -1 or positive, got 0}}
func.func private @bad_group() attributes {l = #qmm.layout<bits = 4, group_size = 0, act_order = false, sym = true, format = gptq_v1>}

// -----

// expected-error @+2 {{expected 'true' or 'false'}}
// expected-error @+1 {{failed to parse QMM_LayoutAttr parameter 'act_order'}}
func.func private @bad_bool() attributes {l = #qmm.layout<bits = 4, group_size = 128, act_order = 1, sym = true, format = gptq_v1>}

// -----

// expected-error @+1 {{block_m must be a positive multiple of 16, got 8}}
func.func private @bad_tile() attributes {t = #qmm.tile<strategy = mma, block_m = 8, block_n = 64, block_k = 64, warps = 4, stages = 1>}

// -----

// expected-error @+1 {{block_k must be a positive multiple of 32, got 48}}
func.func private @bad_tile_k() attributes {t = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 48, warps = 4, stages = 1>}

// -----

// expected-error @+1 {{block_n must be a positive multiple of 8 * warps = 32, got 48}}
func.func private @bad_tile_n() attributes {t = #qmm.tile<strategy = mma, block_m = 16, block_n = 48, block_k = 64, warps = 4, stages = 1>}

// -----

// expected-error @+1 {{warps must be 1, 2, 4 or 8 (16 for stream tiles; 2 to 16 for stream tiles of 32 columns per warp; 5 or 9 for wgmma_tma tiles), got 16}}
func.func private @mma_sixteen_warps() attributes {t = #qmm.tile<strategy = mma, block_m = 16, block_n = 128, block_k = 64, warps = 16, stages = 1>}

// -----

// expected-error @+1 {{split_k must be 1 to 8, got 9}}
func.func private @bad_split() attributes {t = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2, split_k = 9>}

// -----

// expected-error @+1 {{mma tiles do not split K across CTAs (split_k = 2); use a stream or pipelined tile}}
func.func private @mma_split() attributes {t = #qmm.tile<strategy = mma, block_m = 16, block_n = 64, block_k = 64, warps = 4, stages = 1, split_k = 2>}

// -----

func.func @k_not_divisible_by_group(%x: tensor<?x192xf16>, %qw: tensor<24x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{input features K = 192 is not divisible by group_size 128}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x192xf16>, tensor<24x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @k_not_packable(%x: tensor<?x20xf16>, %qw: tensor<2x64xi32>, %qz: tensor<1x6xi32>, %s: tensor<1x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{input features K = 20 times bits = 3 is not a multiple of 32: qweight packs whole int32 words}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 3, group_size = -1, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x20xf16>, tensor<2x64xi32>, tensor<1x6xi32>, tensor<1x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @qweight_shape(%x: tensor<?x256xf16>, %qw: tensor<64x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{qweight has shape 64x64, expected 32x64 (K * bits / 32 x N, packed along K)}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<64x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @qzeros_shape(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x16xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{qzeros has shape 2x16, expected 2x8 (groups x N * bits / 32, packed along N)}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x16xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @scales_shape(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<4x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{scales has shape 4x64, expected 2x64 (groups x N)}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<4x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @scales_type(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xbf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{scales element type 'bf16' must match the activation element type 'f16'}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xbf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @activation_type(%x: tensor<?x256xf32>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type values}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf32>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @qweight_type(%x: tensor<?x256xf16>, %qw: tensor<32x64xi16>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi16>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @result_type(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xbf16> {
  // expected-error @+1 {{result element type 'bf16' must match x's element type 'f16'}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @missing_g_idx(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{layout has act_order = true but no g_idx operand}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @unexpected_g_idx(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %g: tensor<256xi32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{g_idx given but layout has act_order = false}}
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<256xi32>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @g_idx_shape(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %g: tensor<128xi32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{g_idx has shape 128, expected 256 (K)}}
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<128xi32>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @bias_shape(%x: tensor<?x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>, %b: tensor<32xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{bias has shape 32, expected 64 (N)}}
  %y = qmm.matmul %x, %qw, %qz, %s bias(%b) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>, tensor<32xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rows_mismatch(%x: tensor<4x256xf16>, %qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<5x64xf16> {
  // expected-error @+1 {{result has 5 rows but x has 4}}
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<4x256xf16>, tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<5x64xf16>
  return %y : tensor<5x64xf16>
}

// -----

func.func @dequant_shape(%qw: tensor<32x64xi32>, %qz: tensor<2x8xi32>, %s: tensor<2x64xf16>) -> tensor<128x64xf16> {
  // expected-error @+1 {{qweight has shape 32x64, expected 16x64 (K * bits / 32 x N, packed along K)}}
  %w = qmm.dequant %qw, %qz, %s {layout = #qmm.layout<bits = 4, group_size = 64, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<32x64xi32>, tensor<2x8xi32>, tensor<2x64xf16>) -> tensor<128x64xf16>
  return %w : tensor<128x64xf16>
}

// -----

// expected-error @+1 {{accumulators are f32, got 'f16'}}
func.func private @bad_acc(!qmm.acc<16x64xf16>)

// -----

// expected-error @+1 {{shared tiles hold f16 or bf16, got 'f32'}}
func.func private @bad_smem(!qmm.smem<16x64xf32>)

// -----

func.func @mma_shapes(%a: !qmm.smem<16x64xf16>, %b: !qmm.smem<64x32xf16>, %acc: !qmm.acc<16x64xf32>) {
  // expected-error @+1 {{lhs has 64 columns (K) but rhs has 32}}
  qmm.tile.mma %a, %b, %acc : !qmm.smem<16x64xf16>, !qmm.smem<64x32xf16>, !qmm.acc<16x64xf32>
  return
}

// -----

func.func @mma_acc(%a: !qmm.smem<16x64xf16>, %b: !qmm.smem<32x64xf16>, %acc: !qmm.acc<16x64xf32>) {
  // expected-error @+1 {{accumulator 16x64 does not match lhs rows 16 x rhs rows 32}}
  qmm.tile.mma %a, %b, %acc : !qmm.smem<16x64xf16>, !qmm.smem<32x64xf16>, !qmm.acc<16x64xf32>
  return
}

// -----

func.func @load_dequant_cols(%qw: memref<32x64xi32>, %qz: memref<2x8xi32>, %s: memref<2x64xf16>, %d: !qmm.smem<64x48xf16>, %k: index) {
  // expected-error @+1 {{destination columns (input channels per step) must be a multiple of 32, got 48}}
  qmm.tile.load_dequant %qw, %qz, %s [%k, %k] into %d {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>} : memref<32x64xi32>, memref<2x8xi32>, memref<2x64xf16>, !qmm.smem<64x48xf16>
  return
}

// -----

func.func @load_act_type(%x: memref<?x256xbf16>, %d: !qmm.smem<16x64xf16>, %i: index) {
  // expected-error @+1 {{destination element type 'f16' must match the source's 'bf16'}}
  qmm.tile.load_act %x[%i, %i] rows %i into %d : memref<?x256xbf16>, !qmm.smem<16x64xf16>
  return
}
