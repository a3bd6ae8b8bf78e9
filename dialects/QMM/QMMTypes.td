//===- QMMTypes.td - qmm types ------------------------------*- tablegen -*-===//

#ifndef QMM_TYPES
#define QMM_TYPES

include "QMMDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class QMM_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<QMM_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRows() const { return getShape()[0]; }
    int64_t getCols() const { return getShape()[1]; }
  }];
}

def QMM_SharedTileType : QMM_Type<"SharedTile", "smem"> {
  let summary = "a 2-D tile in the CTA's shared memory";
  let description = [{
    `!qmm.smem<16x64xf16>`: 16 rows of 64 elements, rows contiguous. Weight
    tiles are stored n-major (one row per output column, input channels
    contiguous) so that both mma operands are read along K.
  }];
}

def QMM_AccumulatorType : QMM_Type<"Accumulator", "acc"> {
  let summary = "an output tile accumulated in the CTA's registers";
  let description = [{
    `!qmm.acc<16x64xf32>`: a `block_m` x `block_n` fp32 tile distributed over
    the warps' registers in the mma.sync accumulator layout.
  }];
}

def QMM_TensorMapType : TypeDef<QMM_Dialect, "TensorMap"> {
  let mnemonic = "tensor_map";
  let summary = "a TMA tensor map (CUtensorMap) the host encodes per launch";
  let description = [{
    `!qmm.tensor_map`: 128 opaque bytes, passed by value as a
    `const __grid_constant__` kernel parameter, that tell the Tensor Memory
    Accelerator a global tensor's address, extents, strides and the box one
    copy moves. A kernel parameter of this type describes the memref
    parameter its role names (`x_map` describes `x`); the runtime encodes
    it from that tensor and the tile (gptq/Runtime/QmmLaunch.h).
  }];
}

#endif // QMM_TYPES
