//===- QMMAttrs.td - qmm attributes -------------------------*- tablegen -*-===//

#ifndef QMM_ATTRS
#define QMM_ATTRS

include "QMMDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def QMM_CheckpointFormat : I32EnumAttr<"CheckpointFormat",
    "how zero points are packed in the checkpoint", [
      I32EnumAttrCase<"gptq_v1", 0>,
      I32EnumAttrCase<"gptq_v2", 1>
    ]> {
  let cppNamespace = "::mlir::qmm";
  let genSpecializedAttr = 0;
}

def QMM_KernelStrategy : I32EnumAttr<"KernelStrategy",
    "the kernel family a tile configuration belongs to", [
      I32EnumAttrCase<"mma", 0>,
      I32EnumAttrCase<"stream", 1>,
      I32EnumAttrCase<"pipelined", 2>,
      I32EnumAttrCase<"wgmma", 3>,
      I32EnumAttrCase<"wgmma_tma", 4>
    ]> {
  let cppNamespace = "::mlir::qmm";
  let genSpecializedAttr = 0;
}

// `true` / `false` keywords for boolean attribute parameters.
def QMM_BoolParameter : AttrParameter<"bool", "boolean"> {
  let parser = [{ ::mlir::qmm::parseBoolKeyword($_parser) }];
  let printer = [{ $_printer << ($_self ? "true" : "false") }];
}

// The same, optional: absent means false, and false is not printed, so
// attributes written before the parameter existed keep their spelling.
def QMM_OptionalBoolParameter : AttrParameter<"bool", "boolean, false when absent"> {
  let parser = [{ ::mlir::qmm::parseBoolKeyword($_parser) }];
  let printer = [{ $_printer << ($_self ? "true" : "false") }];
  let defaultValue = "false";
}

class QMM_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<QMM_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def QMM_LayoutAttr : QMM_Attr<"Layout", "layout"> {
  let summary = "GPTQ quantization layout of a weight";
  let description = [{
    `bits` is the code width (2, 3, 4 or 8); `group_size` the number of input
    channels sharing one scale and zero point (-1: one group for the whole
    input dimension); `act_order` says whether the checkpoint was quantized
    in descending Hessian-diagonal order, in which case the group of input
    channel k is `g_idx[k]` rather than `k / group_size`; `sym` whether zero
    points are the fixed midpoint 2^(bits-1); `format` how zero points are
    stored (`gptq_v1`: minus one, AutoGPTQ; `gptq_v2`: as they are).

    `reordered` (optional, default false, printed only when true; requires
    `act_order`) says that the weight's input channels were regrouped once,
    at load time, so that channel k belongs to group `k / group_size` as in
    a plain grouped layout, and that the matmul's `g_idx` operand holds the
    permutation `perm` instead of the groups: channel k multiplies x column
    `perm[k]` (y = x W = x[:, perm] W[perm, :]). `qmm-reorder-act-order`
    produces it, together with the `qmm.act_order_permutation` and
    `qmm.permute_packed_rows` ops that compute `perm` and the regrouped
    qweight. Kernels then read contiguous groups (scales and zeros once per
    step) and gather x, instead of looking up a group per channel.

    Example: `#qmm.layout<bits = 4, group_size = 128, act_order = false,
    sym = true, format = gptq_v1>`, `#qmm.layout<bits = 4, group_size = 128,
    act_order = true, sym = true, format = gptq_v1, reordered = true>`
  }];
  let parameters = (ins
    "unsigned":$bits,
    "int64_t":$group_size,
    QMM_BoolParameter:$act_order,
    QMM_BoolParameter:$sym,
    EnumParameter<QMM_CheckpointFormat>:$format,
    QMM_OptionalBoolParameter:$reordered);
  let builders = [
    // The layout of a checkpoint as it is stored (not reordered), for the
    // callers that predate `reordered`.
    AttrBuilder<(ins "unsigned":$bits, "int64_t":$group_size,
                     "bool":$act_order, "bool":$sym,
                     "CheckpointFormat":$format), [{
      return $_get($_ctxt, bits, group_size, act_order, sym, format,
                   /*reordered=*/false);
    }]>
  ];
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of groups along an input dimension of `inFeatures` channels.
    int64_t getNumGroups(int64_t inFeatures) const {
      return getGroupSize() == -1 ? 1 : inFeatures / getGroupSize();
    }
    /// The group size as a number of channels (K when it is -1).
    int64_t getEffectiveGroupSize(int64_t inFeatures) const {
      return getGroupSize() == -1 ? inFeatures : getGroupSize();
    }
  }];
}

def QMM_TileAttr : QMM_Attr<"Tile", "tile"> {
  let summary = "tiling of a dequantize-matmul kernel";
  let description = [{
    One CTA computes a `block_m` x `block_n` tile of the output with `warps`
    warps. What the other fields mean depends on the strategy:

    - `mma` (large M): the CTA steps through the input dimension `block_k`
      channels at a time, dequantizing each weight block into shared memory;
      the warps split the tile's columns. `stages` is the depth of the
      shared-memory pipeline.
    - `stream` (decode, small M): packed weights stream from global memory
      straight into registers and are dequantized there
      (runtime/device/qmm/stream.cuh); the warps split the input dimension
      and reduce through shared memory at the end (up to 16 warps, which
      fill an SM with one CTA on grids of few column blocks). `block_k` is
      the number of input channels one warp consumes per step (4 lanes,
      each a whole number of packed units: 1 word for 2/4/8 bits, 3 words
      for 3 bits, at most 32 channels per lane); `stages` is the number of
      register buffers per lane (2 to 4: `stages - 1` steps of loads in
      flight per warp; x is loaded one step ahead where that fits).
      `block_m` is 8, 16 or 32 (x rows sit on the mma's n8 side), `block_n`
      32 or 64; or `block_n` = `warps` x 32 or `warps` x 64 (2 to 16 warps
      at 32 columns each): column warps, which own those columns and walk
      the input dimension side by side (split only across a `split_k`
      cluster), for the widest decode layers.
    - `pipelined` (batches, no act-order): every step the CTA copies its x
      tile, packed weight tile and group scales and zeros into one of
      `stages` shared-memory buffers with cp.async (`stages - 1` steps in
      flight) and dequantizes the weights in registers into mma operands
      (runtime/device/qmm/pipelined.cuh). Warps own 32-column blocks
      (`block_n` / 32 of them), row blocks of at most 64 rows (32 at 3 bits)
      and, with the warps left over, slices of each step's `block_k`
      channels, reduced through shared memory at the end.
    - `wgmma` (batches of 33 rows and more, 4-bit, no act-order, sm_90a):
      the pipelined kernel's copies, with Hopper's warpgroup mma computing
      the transposed product: the dequantized weight is wgmma's A operand
      in registers (64 output channels per instruction), the x tile its B
      operand straight from shared memory, `block_m` (16 to 256, a power of
      two) its N (runtime/device/qmm/wgmma.cuh). `block_k` is 64; `warps`
      is 4 per warpgroup, each warpgroup owning one or two 64-column tiles
      of `block_n`. Past 48 KB the `stages` buffers are dynamic shared
      memory (the manifest's `dynamic_shared_bytes`).
    - `wgmma_tma` (33 to 256 rows, 4-bit, no act-order, one group per
      step, K a multiple of `block_k`, sm_90a): the wgmma tiles' product
      fed by the Tensor Memory Accelerator. One producer warp issues each
      step's TMA copies (x, packed weights, scale row, zero words) through
      tensor maps (`!qmm.tensor_map` kernel parameters) onto mbarriers;
      `warps` - 1 consumer warps (one or two warpgroups, 64 columns each:
      `block_n` = 64 x warpgroups) decode and issue the wgmmas, with no
      block barrier in the K loop (runtime/device/qmm/wgmma_tma.cuh).
      `block_m` is 16 to 128, `block_k` 64 or 128 (one or two 64-channel
      x boxes per step); the `stages` buffers are dynamic shared memory.

    `split_k` (stream, pipelined, wgmma and wgmma_tma, sm_90 and newer; default 1, then not
    printed) runs each tile as that many CTAs of one thread-block cluster
    that split the input channels and sum their fp32 partial tiles through
    distributed shared memory (runtime/device/qmm/cluster.cuh): the grid
    gains a z extent of `split_k`. It gives narrow layers (few column
    blocks) enough CTAs to fill the GPU.

    Example: `#qmm.tile<strategy = mma, block_m = 16, block_n = 64,
    block_k = 64, warps = 4, stages = 1>`
  }];
  let parameters = (ins
    EnumParameter<QMM_KernelStrategy>:$strategy,
    "int64_t":$block_m,
    "int64_t":$block_n,
    "int64_t":$block_k,
    "int64_t":$warps,
    "int64_t":$stages,
    DefaultValuedParameter<"int64_t", "1">:$split_k);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // QMM_ATTRS
