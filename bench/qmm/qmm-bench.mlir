// Kernels timed by qmm-bench: the PEERS.md shapes (Llama-2 7B and 70B layers,
// qkv and gate-up fused; K = in features, N = out features), 4-bit, group 128,
// AutoGPTQ v1 layout, fp16, one function per M so qmm-select-tile picks the
// tile of each M bucket. Function names: llama<shape>_m<M>; at the end the
// other bit widths for decode.

#w4g128 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>
#w2g128 = #qmm.layout<bits = 2, group_size = 128, act_order = false, sym = false, format = gptq_v1>
#w3g128 = #qmm.layout<bits = 3, group_size = 128, act_order = false, sym = false, format = gptq_v1>
#w8g128 = #qmm.layout<bits = 8, group_size = 128, act_order = false, sym = false, format = gptq_v1>

func.func @llama7B_qkv_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>) -> tensor<1x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<1x12288xf16>
  return %y : tensor<1x12288xf16>
}

func.func @llama7B_qkv_m16(%x: tensor<16x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>) -> tensor<16x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<16x12288xf16>
  return %y : tensor<16x12288xf16>
}

func.func @llama7B_qkv_m64(%x: tensor<64x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>) -> tensor<64x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<64x12288xf16>
  return %y : tensor<64x12288xf16>
}

func.func @llama7B_qkv_m256(%x: tensor<256x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>) -> tensor<256x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<256x12288xf16>
  return %y : tensor<256x12288xf16>
}

func.func @llama7B_qkv_m1024(%x: tensor<1024x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>) -> tensor<1024x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<1024x12288xf16>
  return %y : tensor<1024x12288xf16>
}

func.func @llama7B_qkv_m4096(%x: tensor<4096x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>) -> tensor<4096x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<4096x12288xf16>
  return %y : tensor<4096x12288xf16>
}

func.func @llama7B_o_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_o_m16(%x: tensor<16x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_o_m64(%x: tensor<64x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<64x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<64x4096xf16>
  return %y : tensor<64x4096xf16>
}

func.func @llama7B_o_m256(%x: tensor<256x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}

func.func @llama7B_o_m1024(%x: tensor<1024x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<1024x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1024x4096xf16>
  return %y : tensor<1024x4096xf16>
}

func.func @llama7B_o_m4096(%x: tensor<4096x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>) -> tensor<4096x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<4096x4096xf16>
  return %y : tensor<4096x4096xf16>
}

func.func @llama7B_gateup_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>) -> tensor<1x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<1x22016xf16>
  return %y : tensor<1x22016xf16>
}

func.func @llama7B_gateup_m16(%x: tensor<16x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>) -> tensor<16x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<16x22016xf16>
  return %y : tensor<16x22016xf16>
}

func.func @llama7B_gateup_m64(%x: tensor<64x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>) -> tensor<64x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<64x22016xf16>
  return %y : tensor<64x22016xf16>
}

func.func @llama7B_gateup_m256(%x: tensor<256x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>) -> tensor<256x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<256x22016xf16>
  return %y : tensor<256x22016xf16>
}

func.func @llama7B_gateup_m1024(%x: tensor<1024x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>) -> tensor<1024x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<1024x22016xf16>
  return %y : tensor<1024x22016xf16>
}

func.func @llama7B_gateup_m4096(%x: tensor<4096x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>) -> tensor<4096x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<4096x22016xf16>
  return %y : tensor<4096x22016xf16>
}

func.func @llama7B_down_m1(%x: tensor<1x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_down_m16(%x: tensor<16x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_down_m64(%x: tensor<64x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>) -> tensor<64x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<64x4096xf16>
  return %y : tensor<64x4096xf16>
}

func.func @llama7B_down_m256(%x: tensor<256x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}

func.func @llama7B_down_m1024(%x: tensor<1024x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>) -> tensor<1024x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<1024x4096xf16>
  return %y : tensor<1024x4096xf16>
}

func.func @llama7B_down_m4096(%x: tensor<4096x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>) -> tensor<4096x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<4096x4096xf16>
  return %y : tensor<4096x4096xf16>
}

func.func @llama70B_qkv_m1(%x: tensor<1x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>) -> tensor<1x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>) -> tensor<1x10240xf16>
  return %y : tensor<1x10240xf16>
}

func.func @llama70B_qkv_m16(%x: tensor<16x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>) -> tensor<16x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>) -> tensor<16x10240xf16>
  return %y : tensor<16x10240xf16>
}

func.func @llama70B_qkv_m64(%x: tensor<64x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>) -> tensor<64x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>) -> tensor<64x10240xf16>
  return %y : tensor<64x10240xf16>
}

func.func @llama70B_qkv_m256(%x: tensor<256x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>) -> tensor<256x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>) -> tensor<256x10240xf16>
  return %y : tensor<256x10240xf16>
}

func.func @llama70B_qkv_m1024(%x: tensor<1024x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>) -> tensor<1024x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>) -> tensor<1024x10240xf16>
  return %y : tensor<1024x10240xf16>
}

func.func @llama70B_qkv_m4096(%x: tensor<4096x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>) -> tensor<4096x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>) -> tensor<4096x10240xf16>
  return %y : tensor<4096x10240xf16>
}

func.func @llama70B_o_m1(%x: tensor<1x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_o_m16(%x: tensor<16x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_o_m64(%x: tensor<64x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<64x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<64x8192xf16>
  return %y : tensor<64x8192xf16>
}

func.func @llama70B_o_m256(%x: tensor<256x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<256x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<256x8192xf16>
  return %y : tensor<256x8192xf16>
}

func.func @llama70B_o_m1024(%x: tensor<1024x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<1024x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<1024x8192xf16>
  return %y : tensor<1024x8192xf16>
}

func.func @llama70B_o_m4096(%x: tensor<4096x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>) -> tensor<4096x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>) -> tensor<4096x8192xf16>
  return %y : tensor<4096x8192xf16>
}

func.func @llama70B_gateup_m1(%x: tensor<1x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}

func.func @llama70B_gateup_m16(%x: tensor<16x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>) -> tensor<16x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<16x57344xf16>
  return %y : tensor<16x57344xf16>
}

func.func @llama70B_gateup_m64(%x: tensor<64x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>) -> tensor<64x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<64x57344xf16>
  return %y : tensor<64x57344xf16>
}

func.func @llama70B_gateup_m256(%x: tensor<256x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>) -> tensor<256x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<256x57344xf16>
  return %y : tensor<256x57344xf16>
}

func.func @llama70B_gateup_m1024(%x: tensor<1024x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>) -> tensor<1024x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<1024x57344xf16>
  return %y : tensor<1024x57344xf16>
}

func.func @llama70B_gateup_m4096(%x: tensor<4096x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>) -> tensor<4096x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>) -> tensor<4096x57344xf16>
  return %y : tensor<4096x57344xf16>
}

func.func @llama70B_down_m1(%x: tensor<1x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_down_m16(%x: tensor<16x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<16x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_down_m64(%x: tensor<64x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>) -> tensor<64x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<64x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>) -> tensor<64x8192xf16>
  return %y : tensor<64x8192xf16>
}

func.func @llama70B_down_m256(%x: tensor<256x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>) -> tensor<256x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<256x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>) -> tensor<256x8192xf16>
  return %y : tensor<256x8192xf16>
}

func.func @llama70B_down_m1024(%x: tensor<1024x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>) -> tensor<1024x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<1024x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>) -> tensor<1024x8192xf16>
  return %y : tensor<1024x8192xf16>
}

func.func @llama70B_down_m4096(%x: tensor<4096x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>) -> tensor<4096x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<4096x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>) -> tensor<4096x8192xf16>
  return %y : tensor<4096x8192xf16>
}

// 2-, 3- and 8-bit weights at group 128 for decode (M = 1 and 16):
// llama<shape>_w<bits>_m<M>.


func.func @llama7B_qkv_w2_m1(%x: tensor<1x4096xf16>, %qweight: tensor<256x12288xi32>, %qzeros: tensor<32x768xi32>, %scales: tensor<32x12288xf16>) -> tensor<1x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x4096xf16>, tensor<256x12288xi32>, tensor<32x768xi32>, tensor<32x12288xf16>) -> tensor<1x12288xf16>
  return %y : tensor<1x12288xf16>
}

func.func @llama7B_qkv_w2_m16(%x: tensor<16x4096xf16>, %qweight: tensor<256x12288xi32>, %qzeros: tensor<32x768xi32>, %scales: tensor<32x12288xf16>) -> tensor<16x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x4096xf16>, tensor<256x12288xi32>, tensor<32x768xi32>, tensor<32x12288xf16>) -> tensor<16x12288xf16>
  return %y : tensor<16x12288xf16>
}

func.func @llama7B_qkv_w3_m1(%x: tensor<1x4096xf16>, %qweight: tensor<384x12288xi32>, %qzeros: tensor<32x1152xi32>, %scales: tensor<32x12288xf16>) -> tensor<1x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x4096xf16>, tensor<384x12288xi32>, tensor<32x1152xi32>, tensor<32x12288xf16>) -> tensor<1x12288xf16>
  return %y : tensor<1x12288xf16>
}

func.func @llama7B_qkv_w3_m16(%x: tensor<16x4096xf16>, %qweight: tensor<384x12288xi32>, %qzeros: tensor<32x1152xi32>, %scales: tensor<32x12288xf16>) -> tensor<16x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x4096xf16>, tensor<384x12288xi32>, tensor<32x1152xi32>, tensor<32x12288xf16>) -> tensor<16x12288xf16>
  return %y : tensor<16x12288xf16>
}

func.func @llama7B_qkv_w8_m1(%x: tensor<1x4096xf16>, %qweight: tensor<1024x12288xi32>, %qzeros: tensor<32x3072xi32>, %scales: tensor<32x12288xf16>) -> tensor<1x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x4096xf16>, tensor<1024x12288xi32>, tensor<32x3072xi32>, tensor<32x12288xf16>) -> tensor<1x12288xf16>
  return %y : tensor<1x12288xf16>
}

func.func @llama7B_qkv_w8_m16(%x: tensor<16x4096xf16>, %qweight: tensor<1024x12288xi32>, %qzeros: tensor<32x3072xi32>, %scales: tensor<32x12288xf16>) -> tensor<16x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x4096xf16>, tensor<1024x12288xi32>, tensor<32x3072xi32>, tensor<32x12288xf16>) -> tensor<16x12288xf16>
  return %y : tensor<16x12288xf16>
}

func.func @llama7B_o_w2_m1(%x: tensor<1x4096xf16>, %qweight: tensor<256x4096xi32>, %qzeros: tensor<32x256xi32>, %scales: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x4096xf16>, tensor<256x4096xi32>, tensor<32x256xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_o_w2_m16(%x: tensor<16x4096xf16>, %qweight: tensor<256x4096xi32>, %qzeros: tensor<32x256xi32>, %scales: tensor<32x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x4096xf16>, tensor<256x4096xi32>, tensor<32x256xi32>, tensor<32x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_o_w3_m1(%x: tensor<1x4096xf16>, %qweight: tensor<384x4096xi32>, %qzeros: tensor<32x384xi32>, %scales: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x4096xf16>, tensor<384x4096xi32>, tensor<32x384xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_o_w3_m16(%x: tensor<16x4096xf16>, %qweight: tensor<384x4096xi32>, %qzeros: tensor<32x384xi32>, %scales: tensor<32x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x4096xf16>, tensor<384x4096xi32>, tensor<32x384xi32>, tensor<32x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_o_w8_m1(%x: tensor<1x4096xf16>, %qweight: tensor<1024x4096xi32>, %qzeros: tensor<32x1024xi32>, %scales: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x4096xf16>, tensor<1024x4096xi32>, tensor<32x1024xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_o_w8_m16(%x: tensor<16x4096xf16>, %qweight: tensor<1024x4096xi32>, %qzeros: tensor<32x1024xi32>, %scales: tensor<32x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x4096xf16>, tensor<1024x4096xi32>, tensor<32x1024xi32>, tensor<32x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_gateup_w2_m1(%x: tensor<1x4096xf16>, %qweight: tensor<256x22016xi32>, %qzeros: tensor<32x1376xi32>, %scales: tensor<32x22016xf16>) -> tensor<1x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x4096xf16>, tensor<256x22016xi32>, tensor<32x1376xi32>, tensor<32x22016xf16>) -> tensor<1x22016xf16>
  return %y : tensor<1x22016xf16>
}

func.func @llama7B_gateup_w2_m16(%x: tensor<16x4096xf16>, %qweight: tensor<256x22016xi32>, %qzeros: tensor<32x1376xi32>, %scales: tensor<32x22016xf16>) -> tensor<16x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x4096xf16>, tensor<256x22016xi32>, tensor<32x1376xi32>, tensor<32x22016xf16>) -> tensor<16x22016xf16>
  return %y : tensor<16x22016xf16>
}

func.func @llama7B_gateup_w3_m1(%x: tensor<1x4096xf16>, %qweight: tensor<384x22016xi32>, %qzeros: tensor<32x2064xi32>, %scales: tensor<32x22016xf16>) -> tensor<1x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x4096xf16>, tensor<384x22016xi32>, tensor<32x2064xi32>, tensor<32x22016xf16>) -> tensor<1x22016xf16>
  return %y : tensor<1x22016xf16>
}

func.func @llama7B_gateup_w3_m16(%x: tensor<16x4096xf16>, %qweight: tensor<384x22016xi32>, %qzeros: tensor<32x2064xi32>, %scales: tensor<32x22016xf16>) -> tensor<16x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x4096xf16>, tensor<384x22016xi32>, tensor<32x2064xi32>, tensor<32x22016xf16>) -> tensor<16x22016xf16>
  return %y : tensor<16x22016xf16>
}

func.func @llama7B_gateup_w8_m1(%x: tensor<1x4096xf16>, %qweight: tensor<1024x22016xi32>, %qzeros: tensor<32x5504xi32>, %scales: tensor<32x22016xf16>) -> tensor<1x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x4096xf16>, tensor<1024x22016xi32>, tensor<32x5504xi32>, tensor<32x22016xf16>) -> tensor<1x22016xf16>
  return %y : tensor<1x22016xf16>
}

func.func @llama7B_gateup_w8_m16(%x: tensor<16x4096xf16>, %qweight: tensor<1024x22016xi32>, %qzeros: tensor<32x5504xi32>, %scales: tensor<32x22016xf16>) -> tensor<16x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x4096xf16>, tensor<1024x22016xi32>, tensor<32x5504xi32>, tensor<32x22016xf16>) -> tensor<16x22016xf16>
  return %y : tensor<16x22016xf16>
}

func.func @llama7B_down_w2_m1(%x: tensor<1x11008xf16>, %qweight: tensor<688x4096xi32>, %qzeros: tensor<86x256xi32>, %scales: tensor<86x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x11008xf16>, tensor<688x4096xi32>, tensor<86x256xi32>, tensor<86x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_down_w2_m16(%x: tensor<16x11008xf16>, %qweight: tensor<688x4096xi32>, %qzeros: tensor<86x256xi32>, %scales: tensor<86x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x11008xf16>, tensor<688x4096xi32>, tensor<86x256xi32>, tensor<86x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_down_w3_m1(%x: tensor<1x11008xf16>, %qweight: tensor<1032x4096xi32>, %qzeros: tensor<86x384xi32>, %scales: tensor<86x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x11008xf16>, tensor<1032x4096xi32>, tensor<86x384xi32>, tensor<86x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_down_w3_m16(%x: tensor<16x11008xf16>, %qweight: tensor<1032x4096xi32>, %qzeros: tensor<86x384xi32>, %scales: tensor<86x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x11008xf16>, tensor<1032x4096xi32>, tensor<86x384xi32>, tensor<86x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_down_w8_m1(%x: tensor<1x11008xf16>, %qweight: tensor<2752x4096xi32>, %qzeros: tensor<86x1024xi32>, %scales: tensor<86x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x11008xf16>, tensor<2752x4096xi32>, tensor<86x1024xi32>, tensor<86x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_down_w8_m16(%x: tensor<16x11008xf16>, %qweight: tensor<2752x4096xi32>, %qzeros: tensor<86x1024xi32>, %scales: tensor<86x4096xf16>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x11008xf16>, tensor<2752x4096xi32>, tensor<86x1024xi32>, tensor<86x4096xf16>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama70B_qkv_w2_m1(%x: tensor<1x8192xf16>, %qweight: tensor<512x10240xi32>, %qzeros: tensor<64x640xi32>, %scales: tensor<64x10240xf16>) -> tensor<1x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x8192xf16>, tensor<512x10240xi32>, tensor<64x640xi32>, tensor<64x10240xf16>) -> tensor<1x10240xf16>
  return %y : tensor<1x10240xf16>
}

func.func @llama70B_qkv_w2_m16(%x: tensor<16x8192xf16>, %qweight: tensor<512x10240xi32>, %qzeros: tensor<64x640xi32>, %scales: tensor<64x10240xf16>) -> tensor<16x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x8192xf16>, tensor<512x10240xi32>, tensor<64x640xi32>, tensor<64x10240xf16>) -> tensor<16x10240xf16>
  return %y : tensor<16x10240xf16>
}

func.func @llama70B_qkv_w3_m1(%x: tensor<1x8192xf16>, %qweight: tensor<768x10240xi32>, %qzeros: tensor<64x960xi32>, %scales: tensor<64x10240xf16>) -> tensor<1x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x8192xf16>, tensor<768x10240xi32>, tensor<64x960xi32>, tensor<64x10240xf16>) -> tensor<1x10240xf16>
  return %y : tensor<1x10240xf16>
}

func.func @llama70B_qkv_w3_m16(%x: tensor<16x8192xf16>, %qweight: tensor<768x10240xi32>, %qzeros: tensor<64x960xi32>, %scales: tensor<64x10240xf16>) -> tensor<16x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x8192xf16>, tensor<768x10240xi32>, tensor<64x960xi32>, tensor<64x10240xf16>) -> tensor<16x10240xf16>
  return %y : tensor<16x10240xf16>
}

func.func @llama70B_qkv_w8_m1(%x: tensor<1x8192xf16>, %qweight: tensor<2048x10240xi32>, %qzeros: tensor<64x2560xi32>, %scales: tensor<64x10240xf16>) -> tensor<1x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x8192xf16>, tensor<2048x10240xi32>, tensor<64x2560xi32>, tensor<64x10240xf16>) -> tensor<1x10240xf16>
  return %y : tensor<1x10240xf16>
}

func.func @llama70B_qkv_w8_m16(%x: tensor<16x8192xf16>, %qweight: tensor<2048x10240xi32>, %qzeros: tensor<64x2560xi32>, %scales: tensor<64x10240xf16>) -> tensor<16x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x8192xf16>, tensor<2048x10240xi32>, tensor<64x2560xi32>, tensor<64x10240xf16>) -> tensor<16x10240xf16>
  return %y : tensor<16x10240xf16>
}

func.func @llama70B_o_w2_m1(%x: tensor<1x8192xf16>, %qweight: tensor<512x8192xi32>, %qzeros: tensor<64x512xi32>, %scales: tensor<64x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x8192xf16>, tensor<512x8192xi32>, tensor<64x512xi32>, tensor<64x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_o_w2_m16(%x: tensor<16x8192xf16>, %qweight: tensor<512x8192xi32>, %qzeros: tensor<64x512xi32>, %scales: tensor<64x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x8192xf16>, tensor<512x8192xi32>, tensor<64x512xi32>, tensor<64x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_o_w3_m1(%x: tensor<1x8192xf16>, %qweight: tensor<768x8192xi32>, %qzeros: tensor<64x768xi32>, %scales: tensor<64x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x8192xf16>, tensor<768x8192xi32>, tensor<64x768xi32>, tensor<64x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_o_w3_m16(%x: tensor<16x8192xf16>, %qweight: tensor<768x8192xi32>, %qzeros: tensor<64x768xi32>, %scales: tensor<64x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x8192xf16>, tensor<768x8192xi32>, tensor<64x768xi32>, tensor<64x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_o_w8_m1(%x: tensor<1x8192xf16>, %qweight: tensor<2048x8192xi32>, %qzeros: tensor<64x2048xi32>, %scales: tensor<64x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x8192xf16>, tensor<2048x8192xi32>, tensor<64x2048xi32>, tensor<64x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_o_w8_m16(%x: tensor<16x8192xf16>, %qweight: tensor<2048x8192xi32>, %qzeros: tensor<64x2048xi32>, %scales: tensor<64x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x8192xf16>, tensor<2048x8192xi32>, tensor<64x2048xi32>, tensor<64x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_gateup_w2_m1(%x: tensor<1x8192xf16>, %qweight: tensor<512x57344xi32>, %qzeros: tensor<64x3584xi32>, %scales: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x8192xf16>, tensor<512x57344xi32>, tensor<64x3584xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}

func.func @llama70B_gateup_w2_m16(%x: tensor<16x8192xf16>, %qweight: tensor<512x57344xi32>, %qzeros: tensor<64x3584xi32>, %scales: tensor<64x57344xf16>) -> tensor<16x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x8192xf16>, tensor<512x57344xi32>, tensor<64x3584xi32>, tensor<64x57344xf16>) -> tensor<16x57344xf16>
  return %y : tensor<16x57344xf16>
}

func.func @llama70B_gateup_w3_m1(%x: tensor<1x8192xf16>, %qweight: tensor<768x57344xi32>, %qzeros: tensor<64x5376xi32>, %scales: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x8192xf16>, tensor<768x57344xi32>, tensor<64x5376xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}

func.func @llama70B_gateup_w3_m16(%x: tensor<16x8192xf16>, %qweight: tensor<768x57344xi32>, %qzeros: tensor<64x5376xi32>, %scales: tensor<64x57344xf16>) -> tensor<16x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x8192xf16>, tensor<768x57344xi32>, tensor<64x5376xi32>, tensor<64x57344xf16>) -> tensor<16x57344xf16>
  return %y : tensor<16x57344xf16>
}

func.func @llama70B_gateup_w8_m1(%x: tensor<1x8192xf16>, %qweight: tensor<2048x57344xi32>, %qzeros: tensor<64x14336xi32>, %scales: tensor<64x57344xf16>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x8192xf16>, tensor<2048x57344xi32>, tensor<64x14336xi32>, tensor<64x57344xf16>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}

func.func @llama70B_gateup_w8_m16(%x: tensor<16x8192xf16>, %qweight: tensor<2048x57344xi32>, %qzeros: tensor<64x14336xi32>, %scales: tensor<64x57344xf16>) -> tensor<16x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x8192xf16>, tensor<2048x57344xi32>, tensor<64x14336xi32>, tensor<64x57344xf16>) -> tensor<16x57344xf16>
  return %y : tensor<16x57344xf16>
}

func.func @llama70B_down_w2_m1(%x: tensor<1x28672xf16>, %qweight: tensor<1792x8192xi32>, %qzeros: tensor<224x512xi32>, %scales: tensor<224x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<1x28672xf16>, tensor<1792x8192xi32>, tensor<224x512xi32>, tensor<224x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_down_w2_m16(%x: tensor<16x28672xf16>, %qweight: tensor<1792x8192xi32>, %qzeros: tensor<224x512xi32>, %scales: tensor<224x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w2g128}
      : (tensor<16x28672xf16>, tensor<1792x8192xi32>, tensor<224x512xi32>, tensor<224x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_down_w3_m1(%x: tensor<1x28672xf16>, %qweight: tensor<2688x8192xi32>, %qzeros: tensor<224x768xi32>, %scales: tensor<224x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<1x28672xf16>, tensor<2688x8192xi32>, tensor<224x768xi32>, tensor<224x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_down_w3_m16(%x: tensor<16x28672xf16>, %qweight: tensor<2688x8192xi32>, %qzeros: tensor<224x768xi32>, %scales: tensor<224x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w3g128}
      : (tensor<16x28672xf16>, tensor<2688x8192xi32>, tensor<224x768xi32>, tensor<224x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_down_w8_m1(%x: tensor<1x28672xf16>, %qweight: tensor<7168x8192xi32>, %qzeros: tensor<224x2048xi32>, %scales: tensor<224x8192xf16>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<1x28672xf16>, tensor<7168x8192xi32>, tensor<224x2048xi32>, tensor<224x8192xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_down_w8_m16(%x: tensor<16x28672xf16>, %qweight: tensor<7168x8192xi32>, %qzeros: tensor<224x2048xi32>, %scales: tensor<224x8192xf16>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w8g128}
      : (tensor<16x28672xf16>, tensor<7168x8192xi32>, tensor<224x2048xi32>, tensor<224x8192xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

// Act-order weights regrouped at load (qmm-reorder-act-order's layout,
// QMM_ACT_ORDER_REGROUPED in the JIT): 4 bits, group 128, decode and M = 16,
// the permutation in the g_idx slot. Function names: llama<shape>_reord_m<M>.
#w4g128reord = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1, reordered = true>

func.func @llama7B_qkv_reord_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>, %perm: tensor<4096xi32>) -> tensor<1x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>, tensor<4096xi32>) -> tensor<1x12288xf16>
  return %y : tensor<1x12288xf16>
}

func.func @llama7B_qkv_reord_m16(%x: tensor<16x4096xf16>, %qweight: tensor<512x12288xi32>, %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>, %perm: tensor<4096xi32>) -> tensor<16x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>, tensor<4096xi32>) -> tensor<16x12288xf16>
  return %y : tensor<16x12288xf16>
}

func.func @llama7B_o_reord_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>, %perm: tensor<4096xi32>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>, tensor<4096xi32>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_o_reord_m16(%x: tensor<16x4096xf16>, %qweight: tensor<512x4096xi32>, %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>, %perm: tensor<4096xi32>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>, tensor<4096xi32>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama7B_gateup_reord_m1(%x: tensor<1x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>, %perm: tensor<4096xi32>) -> tensor<1x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>, tensor<4096xi32>) -> tensor<1x22016xf16>
  return %y : tensor<1x22016xf16>
}

func.func @llama7B_gateup_reord_m16(%x: tensor<16x4096xf16>, %qweight: tensor<512x22016xi32>, %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>, %perm: tensor<4096xi32>) -> tensor<16x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>, tensor<4096xi32>) -> tensor<16x22016xf16>
  return %y : tensor<16x22016xf16>
}

func.func @llama7B_down_reord_m1(%x: tensor<1x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>, %perm: tensor<11008xi32>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>, tensor<11008xi32>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

func.func @llama7B_down_reord_m16(%x: tensor<16x11008xf16>, %qweight: tensor<1376x4096xi32>, %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>, %perm: tensor<11008xi32>) -> tensor<16x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>, tensor<11008xi32>) -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

func.func @llama70B_qkv_reord_m1(%x: tensor<1x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>, %perm: tensor<8192xi32>) -> tensor<1x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>, tensor<8192xi32>) -> tensor<1x10240xf16>
  return %y : tensor<1x10240xf16>
}

func.func @llama70B_qkv_reord_m16(%x: tensor<16x8192xf16>, %qweight: tensor<1024x10240xi32>, %qzeros: tensor<64x1280xi32>, %scales: tensor<64x10240xf16>, %perm: tensor<8192xi32>) -> tensor<16x10240xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x8192xf16>, tensor<1024x10240xi32>, tensor<64x1280xi32>, tensor<64x10240xf16>, tensor<8192xi32>) -> tensor<16x10240xf16>
  return %y : tensor<16x10240xf16>
}

func.func @llama70B_o_reord_m1(%x: tensor<1x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>, %perm: tensor<8192xi32>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>, tensor<8192xi32>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_o_reord_m16(%x: tensor<16x8192xf16>, %qweight: tensor<1024x8192xi32>, %qzeros: tensor<64x1024xi32>, %scales: tensor<64x8192xf16>, %perm: tensor<8192xi32>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x8192xf16>, tensor<1024x8192xi32>, tensor<64x1024xi32>, tensor<64x8192xf16>, tensor<8192xi32>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}

func.func @llama70B_gateup_reord_m1(%x: tensor<1x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>, %perm: tensor<8192xi32>) -> tensor<1x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>, tensor<8192xi32>) -> tensor<1x57344xf16>
  return %y : tensor<1x57344xf16>
}

func.func @llama70B_gateup_reord_m16(%x: tensor<16x8192xf16>, %qweight: tensor<1024x57344xi32>, %qzeros: tensor<64x7168xi32>, %scales: tensor<64x57344xf16>, %perm: tensor<8192xi32>) -> tensor<16x57344xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x8192xf16>, tensor<1024x57344xi32>, tensor<64x7168xi32>, tensor<64x57344xf16>, tensor<8192xi32>) -> tensor<16x57344xf16>
  return %y : tensor<16x57344xf16>
}

func.func @llama70B_down_reord_m1(%x: tensor<1x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>, %perm: tensor<28672xi32>) -> tensor<1x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<1x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>, tensor<28672xi32>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}

func.func @llama70B_down_reord_m16(%x: tensor<16x28672xf16>, %qweight: tensor<3584x8192xi32>, %qzeros: tensor<224x1024xi32>, %scales: tensor<224x8192xf16>, %perm: tensor<28672xi32>) -> tensor<16x8192xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #w4g128reord}
      : (tensor<16x28672xf16>, tensor<3584x8192xi32>, tensor<224x1024xi32>, tensor<224x8192xf16>, tensor<28672xi32>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
