// Kernels of the GPU correctness sweep (QmmKernelGpuTest): 4-bit, group 128,
// no act-order, fp16, AutoGPTQ v1 layout, K and N from 256 to 8192.
// Functions with M unknown get the decode tile and run for M in
// {1, 7, 16, 64, 300}; those with static M = 300 get the large-M tile.

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
