// Kernels of the GPU correctness sweep (QmmKernelGpuTest); every kernel runs
// for M in {1, 7, 16, 64, 300}. The first part: 4-bit, group 128, no
// act-order, fp16, AutoGPTQ v1 layout, K and N from 256 to 8192; functions
// with M unknown get the decode (stream) tile, those with static M = 300 the
// large-M tile (on sm_90a the TMA-fed wgmma_tma tiles, elsewhere pipelined;
// the mma tile for act-order).

#w4g128 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>

func.func @k256_n256_mdyn(%x: tensor<?x256xf16>, %qweight: tensor<32x256xi32>, %qzeros: tensor<2x32xi32>, %scales: tensor<2x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x256xf16>, tensor<32x256xi32>, tensor<2x32xi32>, tensor<2x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @k256_n256_m300(%x: tensor<300x256xf16>, %qweight: tensor<32x256xi32>, %qzeros: tensor<2x32xi32>, %scales: tensor<2x256xf16>) -> tensor<300x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<300x256xf16>, tensor<32x256xi32>, tensor<2x32xi32>, tensor<2x256xf16>) -> tensor<300x256xf16>
  return %y : tensor<300x256xf16>
}

func.func @k256_n8192_mdyn(%x: tensor<?x256xf16>, %qweight: tensor<32x8192xi32>, %qzeros: tensor<2x1024xi32>, %scales: tensor<2x8192xf16>) -> tensor<?x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x256xf16>, tensor<32x8192xi32>, tensor<2x1024xi32>, tensor<2x8192xf16>) -> tensor<?x8192xf16>
  return %y : tensor<?x8192xf16>
}

func.func @k256_n8192_m300(%x: tensor<300x256xf16>, %qweight: tensor<32x8192xi32>, %qzeros: tensor<2x1024xi32>, %scales: tensor<2x8192xf16>) -> tensor<300x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<300x256xf16>, tensor<32x8192xi32>, tensor<2x1024xi32>, tensor<2x8192xf16>) -> tensor<300x8192xf16>
  return %y : tensor<300x8192xf16>
}

func.func @k8192_n256_mdyn(%x: tensor<?x8192xf16>, %qweight: tensor<1024x256xi32>, %qzeros: tensor<64x32xi32>, %scales: tensor<64x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x8192xf16>, tensor<1024x256xi32>, tensor<64x32xi32>, tensor<64x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @k8192_n256_m300(%x: tensor<300x8192xf16>, %qweight: tensor<1024x256xi32>, %qzeros: tensor<64x32xi32>, %scales: tensor<64x256xf16>) -> tensor<300x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<300x8192xf16>, tensor<1024x256xi32>, tensor<64x32xi32>, tensor<64x256xf16>) -> tensor<300x256xf16>
  return %y : tensor<300x256xf16>
}

func.func @k1024_n4096_mdyn(%x: tensor<?x1024xf16>, %qweight: tensor<128x4096xi32>, %qzeros: tensor<8x512xi32>, %scales: tensor<8x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x1024xf16>, tensor<128x4096xi32>, tensor<8x512xi32>, tensor<8x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

func.func @k1024_n4096_m300(%x: tensor<300x1024xf16>, %qweight: tensor<128x4096xi32>, %qzeros: tensor<8x512xi32>, %scales: tensor<8x4096xf16>) -> tensor<300x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<300x1024xf16>, tensor<128x4096xi32>, tensor<8x512xi32>, tensor<8x4096xf16>) -> tensor<300x4096xf16>
  return %y : tensor<300x4096xf16>
}

func.func @k4096_n1024_mdyn(%x: tensor<?x4096xf16>, %qweight: tensor<512x1024xi32>, %qzeros: tensor<32x128xi32>, %scales: tensor<32x1024xf16>) -> tensor<?x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x4096xf16>, tensor<512x1024xi32>, tensor<32x128xi32>, tensor<32x1024xf16>) -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}

func.func @k4096_n1024_m300(%x: tensor<300x4096xf16>, %qweight: tensor<512x1024xi32>, %qzeros: tensor<32x128xi32>, %scales: tensor<32x1024xf16>) -> tensor<300x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<300x4096xf16>, tensor<512x1024xi32>, tensor<32x128xi32>, tensor<32x1024xf16>) -> tensor<300x1024xf16>
  return %y : tensor<300x1024xf16>
}

func.func @k4096_n4096_mdyn(%x: tensor<?x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

func.func @k4096_n4096_m300(%x: tensor<300x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<300x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<300x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<300x4096xf16>
  return %y : tensor<300x4096xf16>
}

func.func @k8192_n8192_mdyn(%x: tensor<?x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<?x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<?x8192xf16>
  return %y : tensor<?x8192xf16>
}

func.func @k8192_n8192_m300(%x: tensor<300x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<300x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<300x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<300x8192xf16>
  return %y : tensor<300x8192xf16>
}

// ----- stream strategy (decode): every bit width, group sizes -1/32/64/128,
// act-order, sym/asym, v1/v2, bf16, bias; M unknown selects it, the
// hand-written tiles cover the block shapes the defaults do not pick.

func.func @stream_w2g128_k1024_n4096(%x: tensor<?x1024xf16>, %qweight: tensor<64x4096xi32>, %qzeros: tensor<8x256xi32>, %scales: tensor<8x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x1024xf16>, tensor<64x4096xi32>, tensor<8x256xi32>, tensor<8x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

func.func @stream_w3g128_asym_k4096_n256(%x: tensor<?x4096xf16>, %qweight: tensor<384x256xi32>, %qzeros: tensor<32x24xi32>, %scales: tensor<32x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<?x4096xf16>, tensor<384x256xi32>, tensor<32x24xi32>, tensor<32x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @stream_w3g32_asym_v2_bf16_bias_k1024_n512(%x: tensor<?x1024xbf16>, %qweight: tensor<96x512xi32>, %qzeros: tensor<32x48xi32>, %scales: tensor<32x512xbf16>, %bias: tensor<512xbf16>) -> tensor<?x512xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = false, sym = false, format = gptq_v2>}
      : (tensor<?x1024xbf16>, tensor<96x512xi32>, tensor<32x48xi32>, tensor<32x512xbf16>, tensor<512xbf16>) -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

func.func @stream_w8gall_k8192_n256(%x: tensor<?x8192xf16>, %qweight: tensor<2048x256xi32>, %qzeros: tensor<1x64xi32>, %scales: tensor<1x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<?x8192xf16>, tensor<2048x256xi32>, tensor<1x64xi32>, tensor<1x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @stream_w8g128_asym_bf16_k512_n1024(%x: tensor<?x512xbf16>, %qweight: tensor<128x1024xi32>, %qzeros: tensor<4x256xi32>, %scales: tensor<4x1024xbf16>) -> tensor<?x1024xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<?x512xbf16>, tensor<128x1024xi32>, tensor<4x256xi32>, tensor<4x1024xbf16>) -> tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}

func.func @stream_w4g32_act_asym_k2048_n512(%x: tensor<?x2048xf16>, %qweight: tensor<256x512xi32>, %qzeros: tensor<64x64xi32>, %scales: tensor<64x512xf16>, %g_idx: tensor<2048xi32>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) {layout = #qmm.layout<bits = 4, group_size = 32, act_order = true, sym = false, format = gptq_v1>}
      : (tensor<?x2048xf16>, tensor<256x512xi32>, tensor<64x64xi32>, tensor<64x512xf16>, tensor<2048xi32>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @stream_w4gall_v2_bf16_bias_k256_n8192(%x: tensor<?x256xbf16>, %qweight: tensor<32x8192xi32>, %qzeros: tensor<1x1024xi32>, %scales: tensor<1x8192xbf16>, %bias: tensor<8192xbf16>) -> tensor<?x8192xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = true, format = gptq_v2>}
      : (tensor<?x256xbf16>, tensor<32x8192xi32>, tensor<1x1024xi32>, tensor<1x8192xbf16>, tensor<8192xbf16>) -> tensor<?x8192xbf16>
  return %y : tensor<?x8192xbf16>
}

func.func @stream_w4g128_asym_k4096_n17408(%x: tensor<?x4096xf16>, %qweight: tensor<512x17408xi32>, %qzeros: tensor<32x2176xi32>, %scales: tensor<32x17408xf16>) -> tensor<?x17408xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<?x4096xf16>, tensor<512x17408xi32>, tensor<32x2176xi32>, tensor<32x17408xf16>) -> tensor<?x17408xf16>
  return %y : tensor<?x17408xf16>
}

func.func @stream_w2g32_act_bf16_k512_n256(%x: tensor<?x512xbf16>, %qweight: tensor<32x256xi32>, %qzeros: tensor<16x16xi32>, %scales: tensor<16x256xbf16>, %g_idx: tensor<512xi32>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) {layout = #qmm.layout<bits = 2, group_size = 32, act_order = true, sym = true, format = gptq_v1>}
      : (tensor<?x512xbf16>, tensor<32x256xi32>, tensor<16x16xi32>, tensor<16x256xbf16>, tensor<512xi32>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @stream_w3g128_act_asym_v2_bias_k1024_n1024(%x: tensor<?x1024xf16>, %qweight: tensor<96x1024xi32>, %qzeros: tensor<8x96xi32>, %scales: tensor<8x1024xf16>, %g_idx: tensor<1024xi32>, %bias: tensor<1024xf16>) -> tensor<?x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) bias(%bias) {layout = #qmm.layout<bits = 3, group_size = 128, act_order = true, sym = false, format = gptq_v2>}
      : (tensor<?x1024xf16>, tensor<96x1024xi32>, tensor<8x96xi32>, tensor<8x1024xf16>, tensor<1024xi32>, tensor<1024xf16>) -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}

func.func @stream_w8g32_act_asym_bias_k256_n1024(%x: tensor<?x256xf16>, %qweight: tensor<64x1024xi32>, %qzeros: tensor<8x256xi32>, %scales: tensor<8x1024xf16>, %g_idx: tensor<256xi32>, %bias: tensor<1024xf16>) -> tensor<?x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) bias(%bias) {layout = #qmm.layout<bits = 8, group_size = 32, act_order = true, sym = false, format = gptq_v1>}
      : (tensor<?x256xf16>, tensor<64x1024xi32>, tensor<8x256xi32>, tensor<8x1024xf16>, tensor<256xi32>, tensor<1024xf16>) -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}

func.func @stream_w4g32_asym_k352_n96(%x: tensor<?x352xf16>, %qweight: tensor<44x96xi32>, %qzeros: tensor<11x12xi32>, %scales: tensor<11x96xf16>) -> tensor<?x96xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<?x352xf16>, tensor<44x96xi32>, tensor<11x12xi32>, tensor<11x96xf16>) -> tensor<?x96xf16>
  return %y : tensor<?x96xf16>
}

func.func @stream_w3g32_asym_k352_n96(%x: tensor<?x352xf16>, %qweight: tensor<33x96xi32>, %qzeros: tensor<11x9xi32>, %scales: tensor<11x96xf16>) -> tensor<?x96xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 32, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<?x352xf16>, tensor<33x96xi32>, tensor<11x9xi32>, tensor<11x96xf16>) -> tensor<?x96xf16>
  return %y : tensor<?x96xf16>
}

func.func @stream_w2g128_asym_tile_n64_k256_n512(%x: tensor<?x256xf16>, %qweight: tensor<16x512xi32>, %qzeros: tensor<2x32xi32>, %scales: tensor<2x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 128, warps = 4, stages = 2>}
      : (tensor<?x256xf16>, tensor<16x512xi32>, tensor<2x32xi32>, tensor<2x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @stream_w3g64_asym_bf16_tile_m32_k512_n512(%x: tensor<?x512xbf16>, %qweight: tensor<48x512xi32>, %qzeros: tensor<8x48xi32>, %scales: tensor<8x512xbf16>) -> tensor<?x512xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 64, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 32, block_k = 128, warps = 2, stages = 2>}
      : (tensor<?x512xbf16>, tensor<48x512xi32>, tensor<8x48xi32>, tensor<8x512xbf16>) -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

func.func @stream_w8g128_asym_tile_m32_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<256x256xi32>, %qzeros: tensor<8x64xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 32, block_k = 32, warps = 4, stages = 4>}
      : (tensor<?x1024xf16>, tensor<256x256xi32>, tensor<8x64xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @stream_w4g64_act_tile_n64_k512_n256(%x: tensor<?x512xf16>, %qweight: tensor<64x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>, %g_idx: tensor<512xi32>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = true, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 64, warps = 8, stages = 2>}
      : (tensor<?x512xf16>, tensor<64x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>, tensor<512xi32>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// Column warps (block_n = warps x 32 or 64: each warp its own columns, K
// walked side by side; stream.cuh): the default of wide decode layers
// (8 x 32), 7 warps, 64 columns per warp, a cluster split, 8 bits in bf16
// with a bias, and per-value act-order lookups.
func.func @stream_columns_w4g128_asym_tile_n256_k1024_n2048(%x: tensor<?x1024xf16>, %qweight: tensor<128x2048xi32>, %qzeros: tensor<8x256xi32>, %scales: tensor<8x2048xf16>) -> tensor<?x2048xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 256, block_k = 128, warps = 8, stages = 2>}
      : (tensor<?x1024xf16>, tensor<128x2048xi32>, tensor<8x256xi32>, tensor<8x2048xf16>) -> tensor<?x2048xf16>
  return %y : tensor<?x2048xf16>
}

func.func @stream_columns_w8g128_asym_bf16_bias_tile_w7_k512_n1792(%x: tensor<?x512xbf16>, %qweight: tensor<128x1792xi32>, %qzeros: tensor<4x448xi32>, %scales: tensor<4x1792xbf16>, %bias: tensor<1792xbf16>) -> tensor<?x1792xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 224, block_k = 64, warps = 7, stages = 2>}
      : (tensor<?x512xbf16>, tensor<128x1792xi32>, tensor<4x448xi32>, tensor<4x1792xbf16>, tensor<1792xbf16>) -> tensor<?x1792xbf16>
  return %y : tensor<?x1792xbf16>
}

func.func @stream_columns_w3g64_asym_tile_m16_split2_k1024_n512(%x: tensor<?x1024xf16>, %qweight: tensor<96x512xi32>, %qzeros: tensor<16x48xi32>, %scales: tensor<16x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 64, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 2>}
      : (tensor<?x1024xf16>, tensor<96x512xi32>, tensor<16x48xi32>, tensor<16x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @stream_columns_w2g32_tile_m32_n64x4_k512_n512(%x: tensor<?x512xf16>, %qweight: tensor<32x512xi32>, %qzeros: tensor<16x32xi32>, %scales: tensor<16x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 2, group_size = 32, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 256, block_k = 64, warps = 4, stages = 2>}
      : (tensor<?x512xf16>, tensor<32x512xi32>, tensor<16x32xi32>, tensor<16x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @stream_columns_w4g64_act_tile_k512_n512(%x: tensor<?x512xf16>, %qweight: tensor<64x512xi32>, %qzeros: tensor<8x64xi32>, %scales: tensor<8x512xf16>, %g_idx: tensor<512xi32>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = true, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 128, block_k = 128, warps = 4, stages = 2>}
      : (tensor<?x512xf16>, tensor<64x512xi32>, tensor<8x64xi32>, tensor<8x512xf16>, tensor<512xi32>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

// Scales and zeros kept in registers across a warp's steps of one group:
// one group for all of K (with a partial last step, whose idle lanes
// reload), at 4 bits with the M = 1 default's 2-slot ring and at 8 bits in
// bf16 (the per-value path); and group 64 with one warp and 32-value steps,
// where every second step reuses them.
func.func @stream_w4gall_asym_tile_s2_k1056_n512(%x: tensor<?x1056xf16>, %qweight: tensor<132x512xi32>, %qzeros: tensor<1x64xi32>, %scales: tensor<1x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 4, stages = 2>}
      : (tensor<?x1056xf16>, tensor<132x512xi32>, tensor<1x64xi32>, tensor<1x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @stream_w8gall_asym_v2_bf16_tile_k544_n256(%x: tensor<?x544xbf16>, %qweight: tensor<136x256xi32>, %qzeros: tensor<1x64xi32>, %scales: tensor<1x256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 64, warps = 4, stages = 4>}
      : (tensor<?x544xbf16>, tensor<136x256xi32>, tensor<1x64xi32>, tensor<1x256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @stream_w4g64_v2_tile_w1_k448_n256(%x: tensor<?x448xf16>, %qweight: tensor<56x256xi32>, %qzeros: tensor<7x32xi32>, %scales: tensor<7x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 64, act_order = false, sym = true, format = gptq_v2>, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 64, block_k = 32, warps = 1, stages = 3>}
      : (tensor<?x448xf16>, tensor<56x256xi32>, tensor<7x32xi32>, tensor<7x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// ----- the same matmuls at one row: the decode tiles (8-row stream tiles
// with two register buffers), still run for every M of the sweep.

func.func @k256_n8192_m1(%x: tensor<1x256xf16>, %qweight: tensor<32x8192xi32>, %qzeros: tensor<2x1024xi32>, %scales: tensor<2x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x256xf16>, tensor<32x8192xi32>, tensor<2x1024xi32>, tensor<2x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @k8192_n256_m1(%x: tensor<1x8192xf16>, %qweight: tensor<1024x256xi32>, %qzeros: tensor<64x32xi32>, %scales: tensor<64x256xf16>) -> tensor<1x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x8192xf16>, tensor<1024x256xi32>, tensor<64x32xi32>, tensor<64x256xf16>) -> tensor<1x256xf16>
  return %y : tensor<1x256xf16>
}

func.func @k4096_n4096_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @stream_w2g128_k1024_n4096_m1(%x: tensor<1x1024xf16>, %qweight: tensor<64x4096xi32>, %qzeros: tensor<8x256xi32>, %scales: tensor<8x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<1x1024xf16>, tensor<64x4096xi32>, tensor<8x256xi32>, tensor<8x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @stream_w3g128_asym_k4096_n256_m1(%x: tensor<1x4096xf16>, %qweight: tensor<384x256xi32>, %qzeros: tensor<32x24xi32>, %scales: tensor<32x256xf16>) -> tensor<1x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<1x4096xf16>, tensor<384x256xi32>, tensor<32x24xi32>, tensor<32x256xf16>) -> tensor<1x256xf16>
  return %y : tensor<1x256xf16>
}

func.func @stream_w3g32_asym_v2_bf16_bias_k1024_n512_m1(%x: tensor<1x1024xbf16>, %qweight: tensor<96x512xi32>, %qzeros: tensor<32x48xi32>, %scales: tensor<32x512xbf16>, %bias: tensor<512xbf16>) -> tensor<1x512xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = false, sym = false, format = gptq_v2>}
      : (tensor<1x1024xbf16>, tensor<96x512xi32>, tensor<32x48xi32>, tensor<32x512xbf16>, tensor<512xbf16>) -> tensor<1x512xbf16>
  return %y : tensor<1x512xbf16>
}

func.func @stream_w8gall_k8192_n256_m1(%x: tensor<1x8192xf16>, %qweight: tensor<2048x256xi32>, %qzeros: tensor<1x64xi32>, %scales: tensor<1x256xf16>) -> tensor<1x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>}
      : (tensor<1x8192xf16>, tensor<2048x256xi32>, tensor<1x64xi32>, tensor<1x256xf16>) -> tensor<1x256xf16>
  return %y : tensor<1x256xf16>
}

func.func @stream_w8g128_asym_bf16_k512_n1024_m1(%x: tensor<1x512xbf16>, %qweight: tensor<128x1024xi32>, %qzeros: tensor<4x256xi32>, %scales: tensor<4x1024xbf16>) -> tensor<1x1024xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<1x512xbf16>, tensor<128x1024xi32>, tensor<4x256xi32>, tensor<4x1024xbf16>) -> tensor<1x1024xbf16>
  return %y : tensor<1x1024xbf16>
}

func.func @stream_w4g32_act_asym_k2048_n512_m1(%x: tensor<1x2048xf16>, %qweight: tensor<256x512xi32>, %qzeros: tensor<64x64xi32>, %scales: tensor<64x512xf16>, %g_idx: tensor<2048xi32>) -> tensor<1x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) {layout = #qmm.layout<bits = 4, group_size = 32, act_order = true, sym = false, format = gptq_v1>}
      : (tensor<1x2048xf16>, tensor<256x512xi32>, tensor<64x64xi32>, tensor<64x512xf16>, tensor<2048xi32>) -> tensor<1x512xf16>
  return %y : tensor<1x512xf16>
}

func.func @stream_w4gall_v2_bf16_bias_k256_n8192_m1(%x: tensor<1x256xbf16>, %qweight: tensor<32x8192xi32>, %qzeros: tensor<1x1024xi32>, %scales: tensor<1x8192xbf16>, %bias: tensor<8192xbf16>) -> tensor<1x8192xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = true, format = gptq_v2>}
      : (tensor<1x256xbf16>, tensor<32x8192xi32>, tensor<1x1024xi32>, tensor<1x8192xbf16>, tensor<8192xbf16>) -> tensor<1x8192xbf16>
  return %y : tensor<1x8192xbf16>
}

func.func @stream_w4g128_asym_k4096_n17408_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x17408xi32>, %qzeros: tensor<32x2176xi32>, %scales: tensor<32x17408xf16>) -> tensor<1x17408xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<1x4096xf16>, tensor<512x17408xi32>, tensor<32x2176xi32>, tensor<32x17408xf16>) -> tensor<1x17408xf16>
  return %y : tensor<1x17408xf16>
}

func.func @stream_w2g32_act_bf16_k512_n256_m1(%x: tensor<1x512xbf16>, %qweight: tensor<32x256xi32>, %qzeros: tensor<16x16xi32>, %scales: tensor<16x256xbf16>, %g_idx: tensor<512xi32>) -> tensor<1x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) {layout = #qmm.layout<bits = 2, group_size = 32, act_order = true, sym = true, format = gptq_v1>}
      : (tensor<1x512xbf16>, tensor<32x256xi32>, tensor<16x16xi32>, tensor<16x256xbf16>, tensor<512xi32>) -> tensor<1x256xbf16>
  return %y : tensor<1x256xbf16>
}

func.func @stream_w3g128_act_asym_v2_bias_k1024_n1024_m1(%x: tensor<1x1024xf16>, %qweight: tensor<96x1024xi32>, %qzeros: tensor<8x96xi32>, %scales: tensor<8x1024xf16>, %g_idx: tensor<1024xi32>, %bias: tensor<1024xf16>) -> tensor<1x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) bias(%bias) {layout = #qmm.layout<bits = 3, group_size = 128, act_order = true, sym = false, format = gptq_v2>}
      : (tensor<1x1024xf16>, tensor<96x1024xi32>, tensor<8x96xi32>, tensor<8x1024xf16>, tensor<1024xi32>, tensor<1024xf16>) -> tensor<1x1024xf16>
  return %y : tensor<1x1024xf16>
}

func.func @stream_w8g32_act_asym_bias_k256_n1024_m1(%x: tensor<1x256xf16>, %qweight: tensor<64x1024xi32>, %qzeros: tensor<8x256xi32>, %scales: tensor<8x1024xf16>, %g_idx: tensor<256xi32>, %bias: tensor<1024xf16>) -> tensor<1x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) bias(%bias) {layout = #qmm.layout<bits = 8, group_size = 32, act_order = true, sym = false, format = gptq_v1>}
      : (tensor<1x256xf16>, tensor<64x1024xi32>, tensor<8x256xi32>, tensor<8x1024xf16>, tensor<256xi32>, tensor<1024xf16>) -> tensor<1x1024xf16>
  return %y : tensor<1x1024xf16>
}

func.func @stream_w4g32_asym_k352_n96_m1(%x: tensor<1x352xf16>, %qweight: tensor<44x96xi32>, %qzeros: tensor<11x12xi32>, %scales: tensor<11x96xf16>) -> tensor<1x96xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<1x352xf16>, tensor<44x96xi32>, tensor<11x12xi32>, tensor<11x96xf16>) -> tensor<1x96xf16>
  return %y : tensor<1x96xf16>
}

func.func @stream_w3g32_asym_k352_n96_m1(%x: tensor<1x352xf16>, %qweight: tensor<33x96xi32>, %qzeros: tensor<11x9xi32>, %scales: tensor<11x96xf16>) -> tensor<1x96xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 32, act_order = false, sym = false, format = gptq_v1>}
      : (tensor<1x352xf16>, tensor<33x96xi32>, tensor<11x9xi32>, tensor<11x96xf16>) -> tensor<1x96xf16>
  return %y : tensor<1x96xf16>
}

// Reordered act-order layouts (qmm-reorder-act-order's output, written
// directly): the test regroups a random act-order layer with
// format::actOrderPermutation / permutePackedRows and passes the
// permutation as g_idx, against the reference of the original layer.

func.func @stream_w4g128_asym_reord_k1024_n1024(%x: tensor<?x1024xf16>, %qweight: tensor<128x1024xi32>, %qzeros: tensor<8x128xi32>, %scales: tensor<8x1024xf16>, %perm: tensor<1024xi32>) -> tensor<?x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1, reordered = true>}
      : (tensor<?x1024xf16>, tensor<128x1024xi32>, tensor<8x128xi32>, tensor<8x1024xf16>, tensor<1024xi32>) -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}

func.func @stream_columns_w4g128_asym_reord_tile_k1024_n1024(%x: tensor<?x1024xf16>, %qweight: tensor<128x1024xi32>, %qzeros: tensor<8x128xi32>, %scales: tensor<8x1024xf16>, %perm: tensor<1024xi32>) -> tensor<?x1024xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1, reordered = true>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 256, block_k = 128, warps = 8, stages = 2>}
      : (tensor<?x1024xf16>, tensor<128x1024xi32>, tensor<8x128xi32>, tensor<8x1024xf16>, tensor<1024xi32>) -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}

func.func @stream_w4g64_bf16_reord_k4096_n512_m1(%x: tensor<1x4096xbf16>, %qweight: tensor<512x512xi32>, %qzeros: tensor<64x64xi32>, %scales: tensor<64x512xbf16>, %perm: tensor<4096xi32>) -> tensor<1x512xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<1x4096xbf16>, tensor<512x512xi32>, tensor<64x64xi32>, tensor<64x512xbf16>, tensor<4096xi32>) -> tensor<1x512xbf16>
  return %y : tensor<1x512xbf16>
}

func.func @stream_w3g128_asym_v2_bf16_bias_reord_k1024_n1024(%x: tensor<?x1024xbf16>, %qweight: tensor<96x1024xi32>, %qzeros: tensor<8x96xi32>, %scales: tensor<8x1024xbf16>, %perm: tensor<1024xi32>, %bias: tensor<1024xbf16>) -> tensor<?x1024xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) bias(%bias) {layout = #qmm.layout<bits = 3, group_size = 128, act_order = true, sym = false, format = gptq_v2, reordered = true>}
      : (tensor<?x1024xbf16>, tensor<96x1024xi32>, tensor<8x96xi32>, tensor<8x1024xbf16>, tensor<1024xi32>, tensor<1024xbf16>) -> tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}

func.func @stream_w3g32_asym_reord_k512_n256_m1(%x: tensor<1x512xf16>, %qweight: tensor<48x256xi32>, %qzeros: tensor<16x24xi32>, %scales: tensor<16x256xf16>, %perm: tensor<512xi32>) -> tensor<1x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = false, format = gptq_v1, reordered = true>}
      : (tensor<1x512xf16>, tensor<48x256xi32>, tensor<16x24xi32>, tensor<16x256xf16>, tensor<512xi32>) -> tensor<1x256xf16>
  return %y : tensor<1x256xf16>
}

func.func @stream_w2g32_reord_k512_n256(%x: tensor<?x512xf16>, %qweight: tensor<32x256xi32>, %qzeros: tensor<16x16xi32>, %scales: tensor<16x256xf16>, %perm: tensor<512xi32>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 2, group_size = 32, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<?x512xf16>, tensor<32x256xi32>, tensor<16x16xi32>, tensor<16x256xf16>, tensor<512xi32>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @stream_w2g64_bf16_reord_k1024_n512_m1(%x: tensor<1x1024xbf16>, %qweight: tensor<64x512xi32>, %qzeros: tensor<16x32xi32>, %scales: tensor<16x512xbf16>, %perm: tensor<1024xi32>) -> tensor<1x512xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 2, group_size = 64, act_order = true, sym = true, format = gptq_v1, reordered = true>}
      : (tensor<1x1024xbf16>, tensor<64x512xi32>, tensor<16x32xi32>, tensor<16x512xbf16>, tensor<1024xi32>) -> tensor<1x512xbf16>
  return %y : tensor<1x512xbf16>
}

func.func @stream_w8g32_asym_bf16_bias_reord_k512_n256(%x: tensor<?x512xbf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<16x64xi32>, %scales: tensor<16x256xbf16>, %perm: tensor<512xi32>, %bias: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) bias(%bias) {layout = #qmm.layout<bits = 8, group_size = 32, act_order = true, sym = false, format = gptq_v1, reordered = true>}
      : (tensor<?x512xbf16>, tensor<128x256xi32>, tensor<16x64xi32>, tensor<16x256xbf16>, tensor<512xi32>, tensor<256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @stream_w8g128_asym_reord_k1024_n256_m1(%x: tensor<1x1024xf16>, %qweight: tensor<256x256xi32>, %qzeros: tensor<8x64xi32>, %scales: tensor<8x256xf16>, %perm: tensor<1024xi32>) -> tensor<1x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 8, group_size = 128, act_order = true, sym = false, format = gptq_v1, reordered = true>}
      : (tensor<1x1024xf16>, tensor<256x256xi32>, tensor<8x64xi32>, tensor<8x256xf16>, tensor<1024xi32>) -> tensor<1x256xf16>
  return %y : tensor<1x256xf16>
}

// ----- pipelined strategy (batches): hand-written tiles run at every M of
// the sweep; every bit width, group sizes -1/32/64/128, sym/asym, v1/v2,
// bf16 (8-bit bf16 takes the per-value path), bias, a partial last step
// (K = 352), channel slices (warps beyond one per 32 columns) and two warp
// row blocks (128 rows; 64 at 3 bits).

func.func @pipe_w4g128_k1024_n512(%x: tensor<?x1024xf16>, %qweight: tensor<128x512xi32>, %qzeros: tensor<8x64xi32>, %scales: tensor<8x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3>}
      : (tensor<?x1024xf16>, tensor<128x512xi32>, tensor<8x64xi32>, tensor<8x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @pipe_w4g32_asym_bf16_bias_slices_k352_n256(%x: tensor<?x352xbf16>, %qweight: tensor<44x256xi32>, %qzeros: tensor<11x32xi32>, %scales: tensor<11x256xbf16>, %bias: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 64, warps = 8, stages = 3>}
      : (tensor<?x352xbf16>, tensor<44x256xi32>, tensor<11x32xi32>, tensor<11x256xbf16>, tensor<256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @pipe_w2g64_asym_v2_slices_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<64x256xi32>, %qzeros: tensor<16x16xi32>, %scales: tensor<16x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 2, group_size = 64, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = pipelined, block_m = 32, block_n = 64, block_k = 128, warps = 4, stages = 3>}
      : (tensor<?x1024xf16>, tensor<64x256xi32>, tensor<16x16xi32>, tensor<16x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @pipe_w3g128_asym_rows2_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<96x256xi32>, %qzeros: tensor<8x24xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 128, warps = 8, stages = 2>}
      : (tensor<?x1024xf16>, tensor<96x256xi32>, tensor<8x24xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @pipe_w3g32_bf16_k256_n128(%x: tensor<?x256xbf16>, %qweight: tensor<24x128xi32>, %qzeros: tensor<8x12xi32>, %scales: tensor<8x128xbf16>) -> tensor<?x128xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 32, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 32, block_n = 128, block_k = 128, warps = 4, stages = 3>}
      : (tensor<?x256xbf16>, tensor<24x128xi32>, tensor<8x12xi32>, tensor<8x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

func.func @pipe_w8gall_bf16_k512_n256(%x: tensor<?x512xbf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<1x64xi32>, %scales: tensor<1x256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 32, block_n = 64, block_k = 64, warps = 2, stages = 3>}
      : (tensor<?x512xbf16>, tensor<128x256xi32>, tensor<1x64xi32>, tensor<1x256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @pipe_w8g128_asym_k1024_n512(%x: tensor<?x1024xf16>, %qweight: tensor<256x512xi32>, %qzeros: tensor<8x128xi32>, %scales: tensor<8x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 2>}
      : (tensor<?x1024xf16>, tensor<256x512xi32>, tensor<8x128xi32>, tensor<8x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @pipe_w4g64_asym_v2_bias_rows2_k512_n256(%x: tensor<?x512xf16>, %qweight: tensor<64x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>, %bias: tensor<256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = pipelined, block_m = 128, block_n = 128, block_k = 64, warps = 8, stages = 2>}
      : (tensor<?x512xf16>, tensor<64x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>, tensor<256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// ----- wgmma strategy (sm_90a only: the sm_80 run of test/Conversion/
// emit-ptx-sweep.mlir drops these tiles for the defaults): 4-bit batches,
// hand-written tiles at every M of the sweep; group sizes -1/32/64/128,
// sym/asym, v1/v2, bf16, bias, a partial last step (K = 352), one and two
// 64-column tiles per warpgroup, one and two warpgroups, 64-row tiles
// (one step's wgmmas retired before the next) and 128/256-row tiles (two
// A buffers), static and dynamic shared memory (past 48 KB), split-K.

func.func @wg_w4g128_k1024_n512(%x: tensor<?x1024xf16>, %qweight: tensor<128x512xi32>, %qzeros: tensor<8x64xi32>, %scales: tensor<8x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma, block_m = 64, block_n = 64, block_k = 64, warps = 4, stages = 4>}
      : (tensor<?x1024xf16>, tensor<128x512xi32>, tensor<8x64xi32>, tensor<8x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @wg_w4g32_asym_bf16_bias_k352_n256(%x: tensor<?x352xbf16>, %qweight: tensor<44x256xi32>, %qzeros: tensor<11x32xi32>, %scales: tensor<11x256xbf16>, %bias: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma, block_m = 64, block_n = 128, block_k = 64, warps = 8, stages = 3>}
      : (tensor<?x352xbf16>, tensor<44x256xi32>, tensor<11x32xi32>, tensor<11x256xbf16>, tensor<256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @wg_w4g64_asym_v2_split2_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<16x32xi32>, %scales: tensor<16x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 64, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = wgmma, block_m = 128, block_n = 128, block_k = 64, warps = 8, stages = 4, split_k = 2>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<16x32xi32>, tensor<16x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @wg_w4gall_k512_n256(%x: tensor<?x512xf16>, %qweight: tensor<64x256xi32>, %qzeros: tensor<1x32xi32>, %scales: tensor<1x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma, block_m = 256, block_n = 128, block_k = 64, warps = 8, stages = 3>}
      : (tensor<?x512xf16>, tensor<64x256xi32>, tensor<1x32xi32>, tensor<1x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @wg_w4g128_asym_two_tiles_split3_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3, split_k = 3>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @wg_w4g128_bf16_k768_n192(%x: tensor<?x768xbf16>, %qweight: tensor<96x192xi32>, %qzeros: tensor<6x24xi32>, %scales: tensor<6x192xbf16>) -> tensor<?x192xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v2>, tile = #qmm.tile<strategy = wgmma, block_m = 128, block_n = 64, block_k = 64, warps = 4, stages = 2>}
      : (tensor<?x768xbf16>, tensor<96x192xi32>, tensor<6x24xi32>, tensor<6x192xbf16>) -> tensor<?x192xbf16>
  return %y : tensor<?x192xbf16>
}

// ----- wgmma_tma strategy (sm_90a only, dropped with the wgmma tiles on
// sm_80): TMA-fed tiles, hand-written at every M of the sweep (M = 1 and 7
// read a box of 16-128 x rows from a tensor of fewer rows, M = 300 a
// partial last row block: both past the tensor, zero-filled by TMA); group
// sizes 64/128/256 and one group, sym/asym, v1/v2, fp16/bf16, bias, one
// and two consumer warpgroups, 16-, 64- and 128-row tiles, split-K 2 and 3
// and unsplit.

func.func @tma_w4g128_split2_k1024_n512(%x: tensor<?x1024xf16>, %qweight: tensor<128x512xi32>, %qzeros: tensor<8x64xi32>, %scales: tensor<8x512xf16>) -> tensor<?x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 64, block_k = 64, warps = 5, stages = 6, split_k = 2>}
      : (tensor<?x1024xf16>, tensor<128x512xi32>, tensor<8x64xi32>, tensor<8x512xf16>) -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

func.func @tma_w4g64_asym_v2_bf16_bias_two_groups_k1024_n256(%x: tensor<?x1024xbf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<16x32xi32>, %scales: tensor<16x256xbf16>, %bias: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 128, block_n = 128, block_k = 64, warps = 9, stages = 3>}
      : (tensor<?x1024xbf16>, tensor<128x256xi32>, tensor<16x32xi32>, tensor<16x256xbf16>, tensor<256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @tma_w4gall_m16_split3_k1536_n192(%x: tensor<?x1536xf16>, %qweight: tensor<192x192xi32>, %qzeros: tensor<1x24xi32>, %scales: tensor<1x192xf16>) -> tensor<?x192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 16, block_n = 64, block_k = 64, warps = 5, stages = 4, split_k = 3>}
      : (tensor<?x1536xf16>, tensor<192x192xi32>, tensor<1x24xi32>, tensor<1x192xf16>) -> tensor<?x192xf16>
  return %y : tensor<?x192xf16>
}

func.func @tma_w4g256_asym_bias_m128_split2_k2048_n256(%x: tensor<?x2048xf16>, %qweight: tensor<256x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>, %bias: tensor<256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = 256, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 128, block_n = 64, block_k = 64, warps = 5, stages = 4, split_k = 2>}
      : (tensor<?x2048xf16>, tensor<256x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>, tensor<256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @tma_w4g128_v2_bf16_two_groups_split2_k1024_n256(%x: tensor<?x1024xbf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v2>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 128, block_k = 64, warps = 9, stages = 4, split_k = 2>}
      : (tensor<?x1024xbf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// Steps of 128 channels (two x boxes per step): split and unsplit, bias,
// bf16, one and two consumer warpgroups, group sizes 128/256 and one group.

func.func @tma_w4g128_asym_k128_split2_k2048_n256(%x: tensor<?x2048xf16>, %qweight: tensor<256x256xi32>, %qzeros: tensor<16x32xi32>, %scales: tensor<16x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 64, block_k = 128, warps = 5, stages = 4, split_k = 2>}
      : (tensor<?x2048xf16>, tensor<256x256xi32>, tensor<16x32xi32>, tensor<16x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @tma_w4gall_v2_bf16_bias_k128_m128_k1024_n192(%x: tensor<?x1024xbf16>, %qweight: tensor<128x192xi32>, %qzeros: tensor<1x24xi32>, %scales: tensor<1x192xbf16>, %bias: tensor<192xbf16>) -> tensor<?x192xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = true, format = gptq_v2>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 128, block_n = 64, block_k = 128, warps = 5, stages = 3>}
      : (tensor<?x1024xbf16>, tensor<128x192xi32>, tensor<1x24xi32>, tensor<1x192xbf16>, tensor<192xbf16>) -> tensor<?x192xbf16>
  return %y : tensor<?x192xbf16>
}

func.func @tma_w4g256_two_groups_k128_m16_split3_k3072_n256(%x: tensor<?x3072xf16>, %qweight: tensor<384x256xi32>, %qzeros: tensor<12x32xi32>, %scales: tensor<12x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 256, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 16, block_n = 128, block_k = 128, warps = 9, stages = 4, split_k = 3>}
      : (tensor<?x3072xf16>, tensor<384x256xi32>, tensor<12x32xi32>, tensor<12x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// Two warpgroups with 128-channel steps and 8 stages, split 2 ways: the
// M = 64 default where 64 x 64 tiles would come to between one and two
// CTAs per SM (70B.o, 70B.down).
func.func @tma_w4g128_asym_two_groups_k128_s8_split2_k2048_n256(%x: tensor<?x2048xf16>, %qweight: tensor<256x256xi32>, %qzeros: tensor<16x32xi32>, %scales: tensor<16x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = wgmma_tma, block_m = 64, block_n = 128, block_k = 128, warps = 9, stages = 8, split_k = 2>}
      : (tensor<?x2048xf16>, tensor<256x256xi32>, tensor<16x32xi32>, tensor<16x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// ----- mma strategy: act-order batches (per-channel groups through g_idx),
// what large M selects for act-order layouts.

func.func @mma_w4g128_act_asym_k1024_n512_m300(%x: tensor<300x1024xf16>, %qweight: tensor<128x512xi32>, %qzeros: tensor<8x64xi32>, %scales: tensor<8x512xf16>, %g_idx: tensor<1024xi32>) -> tensor<300x512xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1>}
      : (tensor<300x1024xf16>, tensor<128x512xi32>, tensor<8x64xi32>, tensor<8x512xf16>, tensor<1024xi32>) -> tensor<300x512xf16>
  return %y : tensor<300x512xf16>
}

func.func @mma_w3g32_act_bf16_bias_k512_n256_m300(%x: tensor<300x512xbf16>, %qweight: tensor<48x256xi32>, %qzeros: tensor<16x24xi32>, %scales: tensor<16x256xbf16>, %g_idx: tensor<512xi32>, %bias: tensor<256xbf16>) -> tensor<300x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g_idx) bias(%bias) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = true, format = gptq_v1>}
      : (tensor<300x512xbf16>, tensor<48x256xi32>, tensor<16x24xi32>, tensor<16x256xbf16>, tensor<512xi32>, tensor<256xbf16>) -> tensor<300x256xbf16>
  return %y : tensor<300x256xbf16>
}

// ----- split-K across a cluster (sm_90a only: test/Conversion/
// emit-ptx-sweep.mlir strips split_k for its sm_80 run): hand-written tiles
// besides the defaults that split (narrow layers above). A run that starts
// inside a quantization group (K = 1024, group 256, 16 steps over 3 CTAs:
// the second starts at channel 384), a partial last step with channel
// slices and bias, two warp row blocks at 3 bits, and stream tiles of 32,
// 16 and 8 rows, including the reordered (x gathered), act-order
// (per-value) and 8-bit paths.

// The M <= 16 default on wide 4-bit layers: 16-row tiles, 128 channels per
// step, K split three ways (M = 64 and 300 run several row blocks of it).
func.func @pipe_w4g128_asym_m16_k128_split3_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 3>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// The M <= 16 default on narrow 4-bit layers (N <= 4096): 64-column tiles
// of 2 warps, K split six ways (8 steps here: CTAs of one and two steps).
func.func @pipe_w4g128_asym_m16_n64_w2_split6_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 64, block_k = 128, warps = 2, stages = 3, split_k = 6>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// 16-row tiles multiply by the scale after the mma where a step lies in
// one group: bf16 activations, one group over all of K, bias.
func.func @pipe_w4gall_bf16_bias_m16_split2_k1024_n256(%x: tensor<?x1024xbf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<1x32xi32>, %scales: tensor<1x256xbf16>, %bias: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = -1, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 2>}
      : (tensor<?x1024xbf16>, tensor<128x256xi32>, tensor<1x32xi32>, tensor<1x256xbf16>, tensor<256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @pipe_w4g256_split3_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<4x32xi32>, %scales: tensor<4x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 256, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 64, warps = 4, stages = 3, split_k = 3>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<4x32xi32>, tensor<4x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @pipe_w4g32_asym_bf16_bias_slices_split3_k352_n256(%x: tensor<?x352xbf16>, %qweight: tensor<44x256xi32>, %qzeros: tensor<11x32xi32>, %scales: tensor<11x256xbf16>, %bias: tensor<256xbf16>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 64, warps = 8, stages = 3, split_k = 3>}
      : (tensor<?x352xbf16>, tensor<44x256xi32>, tensor<11x32xi32>, tensor<11x256xbf16>, tensor<256xbf16>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @pipe_w3g128_asym_rows2_split2_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<96x256xi32>, %qzeros: tensor<8x24xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = pipelined, block_m = 64, block_n = 128, block_k = 128, warps = 8, stages = 2, split_k = 2>}
      : (tensor<?x1024xf16>, tensor<96x256xi32>, tensor<8x24xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @stream_w4g128_bias_m32_split4_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>, %bias: tensor<256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales bias(%bias) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 32, block_n = 32, block_k = 64, warps = 4, stages = 2, split_k = 4>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>, tensor<256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @stream_w3g64_bf16_m16_split2_k1024_n128(%x: tensor<?x1024xbf16>, %qweight: tensor<96x128xi32>, %qzeros: tensor<16x12xi32>, %scales: tensor<16x128xbf16>) -> tensor<?x128xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 3, group_size = 64, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 16, block_n = 32, block_k = 128, warps = 2, stages = 2, split_k = 2>}
      : (tensor<?x1024xbf16>, tensor<96x128xi32>, tensor<16x12xi32>, tensor<16x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

func.func @stream_w4g64_bf16_reord_split4_k2048_n256(%x: tensor<?x2048xbf16>, %qweight: tensor<256x256xi32>, %qzeros: tensor<32x32xi32>, %scales: tensor<32x256xbf16>, %g: tensor<2048xi32>) -> tensor<?x256xbf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g) {layout = #qmm.layout<bits = 4, group_size = 64, act_order = true, sym = true, format = gptq_v1, reordered = true>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 64, warps = 4, stages = 2, split_k = 4>}
      : (tensor<?x2048xbf16>, tensor<256x256xi32>, tensor<32x32xi32>, tensor<32x256xbf16>, tensor<2048xi32>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @stream_w3g32_act_asym_split2_k1024_n256(%x: tensor<?x1024xf16>, %qweight: tensor<96x256xi32>, %qzeros: tensor<32x24xi32>, %scales: tensor<32x256xf16>, %g: tensor<1024xi32>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%g) {layout = #qmm.layout<bits = 3, group_size = 32, act_order = true, sym = false, format = gptq_v2>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 4, stages = 2, split_k = 2>}
      : (tensor<?x1024xf16>, tensor<96x256xi32>, tensor<32x24xi32>, tensor<32x256xf16>, tensor<1024xi32>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @stream_w8gall_split3_k4096_n256(%x: tensor<?x4096xf16>, %qweight: tensor<1024x256xi32>, %qzeros: tensor<1x64xi32>, %scales: tensor<1x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 64, warps = 8, stages = 2, split_k = 3>}
      : (tensor<?x4096xf16>, tensor<1024x256xi32>, tensor<1x64xi32>, tensor<1x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
