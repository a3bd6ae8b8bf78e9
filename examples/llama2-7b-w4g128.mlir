// The built-in example: the four quantized linear layers of a Llama-2-7B
// decoder block (q/k/v and gate/up fused), 4-bit, group size 128, AutoGPTQ
// v1 checkpoint layout, fp16 activations; M (tokens) unknown until run time.
//
//   gptq-opt examples/llama2-7b-w4g128.mlir --emit=ptx --arch=sm_90a --summary -o out.ptx

#w4g128 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>

func.func @qkv_proj(%x: tensor<?x4096xf16>, %qweight: tensor<512x12288xi32>,
                    %qzeros: tensor<32x1536xi32>, %scales: tensor<32x12288xf16>)
    -> tensor<?x12288xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x4096xf16>, tensor<512x12288xi32>, tensor<32x1536xi32>, tensor<32x12288xf16>) -> tensor<?x12288xf16>
  return %y : tensor<?x12288xf16>
}

func.func @o_proj(%x: tensor<?x4096xf16>, %qweight: tensor<512x4096xi32>,
                  %qzeros: tensor<32x512xi32>, %scales: tensor<32x4096xf16>)
    -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

func.func @gate_up_proj(%x: tensor<?x4096xf16>, %qweight: tensor<512x22016xi32>,
                        %qzeros: tensor<32x2752xi32>, %scales: tensor<32x22016xf16>)
    -> tensor<?x22016xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x4096xf16>, tensor<512x22016xi32>, tensor<32x2752xi32>, tensor<32x22016xf16>) -> tensor<?x22016xf16>
  return %y : tensor<?x22016xf16>
}

func.func @down_proj(%x: tensor<?x11008xf16>, %qweight: tensor<1376x4096xi32>,
                     %qzeros: tensor<86x512xi32>, %scales: tensor<86x4096xf16>)
    -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4g128}
      : (tensor<?x11008xf16>, tensor<1376x4096xi32>, tensor<86x512xi32>, tensor<86x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
