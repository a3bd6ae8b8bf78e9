//===- QMMDialect.td - the qmm dialect ---------------------*- tablegen -*-===//
//
// `qmm` describes dequantize-matmul over GPTQ-quantized weights, at two
// levels: tensor ops that name the checkpoint's tensors (`qmm.matmul`,
// `qmm.dequant`), and tile ops inside a `gpu.func` that the CUDA emitter
// translates one to one into calls of runtime/device building blocks.
//
//===----------------------------------------------------------------------===//

#ifndef QMM_DIALECT
#define QMM_DIALECT

include "mlir/IR/OpBase.td"

def QMM_Dialect : Dialect {
  let name = "qmm";
  let cppNamespace = "::mlir::qmm";
  let summary = "Dequantize-matmul over GPTQ-quantized weights";
  let description = [{
    The `qmm` dialect models the matrix product of fp16/bf16 activations with
    weights stored in a GPTQ checkpoint (AutoGPTQ `gptq` v1 or GPTQModel
    `gptq_v2` packing): packed integer codes `qweight`, packed zero points
    `qzeros`, per-group `scales`, and, with act-order, the per-channel group
    index `g_idx`. The quantization layout is an attribute
    (`#qmm.layout<...>`), the kernel tiling another (`#qmm.tile<...>`), so that
    passes change a kernel by rewriting attributes.

    Lowering: `qmm-select-tile` attaches a tile configuration, `qmm-tile`
    turns each `qmm.matmul` into a `gpu.func` built from `qmm.tile.*` ops, and
    `convert-qmm-to-cuda` translates those kernels into CUDA C++ that NVRTC
    compiles at run time.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
}

class QMM_Op<string mnemonic, list<Trait> traits = []>
    : Op<QMM_Dialect, mnemonic, traits>;

#endif // QMM_DIALECT
