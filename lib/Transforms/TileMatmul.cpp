//===- TileMatmul.cpp - qmm.matmul -> gpu.func of qmm.tile ops ------------===//
//
// Each distinct (layout, element type, K, N, tile, bias) gets one kernel in
// `gpu.module @qmm_kernels`; matmuls that share them share the kernel. The
// kernel is an explicit K loop over shared-memory tiles:
//
//   for k0 in 0..K step block_k:
//     load_act x[row0:, k0:] -> xs; load_dequant W[k0:, n0:] -> ws
//     barrier; acc += xs · wsᵀ; barrier
//   store acc -> y[row0:, n0:]
//
// That is the `mma` strategy. The `stream` strategy (decode) keeps its K
// loop inside one op, qmm.tile.stream_matmul, whose building block owns the
// cp.async pipeline and the cross-warp reduction.
//
// Grid: (N / block_n, ceil(M / block_m), split_k); block: 32 * warps
// threads; with split_k > 1 the z extent is one cluster
// (runtime/device/qmm/cluster.cuh).
//
//===----------------------------------------------------------------------===//

#include "gptq/Autotune/TileLegality.h"
#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <string>

namespace mlir::qmm {
#define GEN_PASS_DEF_QMMTILE
#include "QMM/QMMPasses.h.inc"
} // namespace mlir::qmm

using namespace mlir;
using namespace mlir::qmm;

namespace {

constexpr StringLiteral kKernelModuleName = "qmm_kernels";

/// A readable, unique name: element type, layout, shape, tile.
std::string kernelName(MatmulOp op, int64_t K, int64_t N) {
  LayoutAttr layout = op.getLayout();
  TileAttr tile = op.getTileAttr();
  std::string name = "qmm_";
  name += op.getX().getType().getElementType().isBF16() ? "bf16" : "f16";
  name += "_w" + std::to_string(layout.getBits());
  name += layout.getGroupSize() == -1
              ? std::string("gall")
              : "g" + std::to_string(layout.getGroupSize());
  // Reordered kernels take other parameters (perm in the g_idx slot, the
  // regrouped qweight), so they must never share a name with act-order ones.
  if (layout.getReordered())
    name += "_reord";
  else if (layout.getActOrder())
    name += "_act";
  if (!layout.getSym())
    name += "_asym";
  if (layout.getFormat() == CheckpointFormat::gptq_v2)
    name += "_v2";
  name += "_k" + std::to_string(K) + "_n" + std::to_string(N);
  if (tile.getStrategy() == KernelStrategy::stream)
    name += "_stream";
  else if (tile.getStrategy() == KernelStrategy::pipelined)
    name += "_pipe";
  else if (tile.getStrategy() == KernelStrategy::wgmma)
    name += "_wg";
  else if (tile.getStrategy() == KernelStrategy::wgmma_tma)
    name += "_wgtma";
  name += "_m" + std::to_string(tile.getBlockM()) + "n" +
          std::to_string(tile.getBlockN()) + "k" +
          std::to_string(tile.getBlockK()) + "w" +
          std::to_string(tile.getWarps());
  if (tile.getStrategy() != KernelStrategy::mma)
    name += "s" + std::to_string(tile.getStages());
  if (tile.getSplitK() > 1)
    name += "c" + std::to_string(tile.getSplitK());
  if (op.getBias())
    name += "_bias";
  return name;
}

MemRefType memrefFor(RankedTensorType type) {
  return MemRefType::get(type.getShape(), type.getElementType());
}

gpu::GPUModuleOp getOrCreateKernelModule(ModuleOp module) {
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName))
    return existing;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  builder.getUnitAttr());
  return gpu::GPUModuleOp::create(builder, module.getLoc(), kKernelModuleName);
}

/// Builds the kernel for `op` inside `kernelModule`.
void buildKernel(MatmulOp op, gpu::GPUModuleOp kernelModule, StringRef name,
                 int64_t K, int64_t N) {
  MLIRContext *context = op.getContext();
  TileAttr tile = op.getTileAttr();
  RankedTensorType xType = op.getX().getType();
  Type elementType = xType.getElementType();
  Location loc = op.getLoc();

  // Parameters, each tagged with its role for the emitter and the runtime.
  SmallVector<Type> types;
  SmallVector<StringRef> roles;
  auto addParam = [&](Type type, StringRef role) {
    types.push_back(type);
    roles.push_back(role);
  };
  addParam(MemRefType::get({ShapedType::kDynamic, K}, elementType), "x");
  addParam(memrefFor(op.getQweight().getType()), "qweight");
  addParam(memrefFor(op.getQzeros().getType()), "qzeros");
  addParam(memrefFor(op.getScales().getType()), "scales");
  if (op.getGIdx())
    addParam(memrefFor(cast<RankedTensorType>(op.getGIdx().getType())),
             "g_idx");
  if (op.getBias())
    addParam(memrefFor(cast<RankedTensorType>(op.getBias().getType())), "bias");
  addParam(MemRefType::get({ShapedType::kDynamic, N}, elementType), "y");
  addParam(IndexType::get(context), "m");
  // TMA tiles read x and the weights through tensor maps of those tensors,
  // which the runtime encodes per launch (the pointers stay parameters: the
  // maps are made from them).
  if (tile.getStrategy() == KernelStrategy::wgmma_tma) {
    auto mapType = TensorMapType::get(context);
    addParam(mapType, "x_map");
    addParam(mapType, "qweight_map");
    addParam(mapType, "scales_map");
    addParam(mapType, "qzeros_map");
  }

  OpBuilder builder = OpBuilder::atBlockEnd(kernelModule.getBody());
  auto func = gpu::GPUFuncOp::create(builder, loc, name,
                                     FunctionType::get(context, types, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                builder.getUnitAttr());
  func.setKnownBlockSizeAttr(
      builder.getDenseI32ArrayAttr({int32_t(32 * tile.getWarps()), 1, 1}));
  func->setAttr("qmm.layout", op.getLayout());
  func->setAttr("qmm.tile", tile);
  for (auto [index, role] : llvm::enumerate(roles))
    func.setArgAttr(index, kParamAttrName, builder.getStringAttr(role));

  Block &entry = func.getBody().front();
  builder.setInsertionPointToStart(&entry);
  auto argument = [&](StringRef role) -> Value {
    for (auto [index, candidate] : llvm::enumerate(roles))
      if (candidate == role)
        return entry.getArgument(index);
    return Value();
  };
  auto constant = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, value);
  };

  Value tileN = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x);
  Value tileM = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::y);
  Value row0 =
      arith::MulIOp::create(builder, loc, tileM, constant(tile.getBlockM()));
  Value col0 =
      arith::MulIOp::create(builder, loc, tileN, constant(tile.getBlockN()));
  if (tile.getStrategy() == KernelStrategy::stream) {
    TileStreamMatmulOp::create(
        builder, loc, argument("x"), argument("qweight"), argument("qzeros"),
        argument("scales"), argument("g_idx"), argument("bias"), argument("y"),
        row0, col0, argument("m"), op.getLayout(), tile);
    gpu::ReturnOp::create(builder, loc);
    return;
  }
  if (tile.getStrategy() == KernelStrategy::pipelined) {
    TilePipelinedMatmulOp::create(
        builder, loc, argument("x"), argument("qweight"), argument("qzeros"),
        argument("scales"), argument("bias"), argument("y"), row0, col0,
        argument("m"), op.getLayout(), tile);
    gpu::ReturnOp::create(builder, loc);
    return;
  }
  if (tile.getStrategy() == KernelStrategy::wgmma) {
    TileWgmmaMatmulOp::create(builder, loc, argument("x"), argument("qweight"),
                              argument("qzeros"), argument("scales"),
                              argument("bias"), argument("y"), row0, col0,
                              argument("m"), op.getLayout(), tile);
    gpu::ReturnOp::create(builder, loc);
    return;
  }
  if (tile.getStrategy() == KernelStrategy::wgmma_tma) {
    TileWgmmaTmaMatmulOp::create(
        builder, loc, argument("x"), argument("qweight"), argument("qzeros"),
        argument("scales"), argument("x_map"), argument("qweight_map"),
        argument("scales_map"), argument("qzeros_map"), argument("bias"),
        argument("y"), row0, col0, argument("m"), op.getLayout(), tile);
    gpu::ReturnOp::create(builder, loc);
    return;
  }
  auto actTileType = SharedTileType::get(
      context, {tile.getBlockM(), tile.getBlockK()}, elementType);
  auto weightTileType = SharedTileType::get(
      context, {tile.getBlockN(), tile.getBlockK()}, elementType);
  auto accType = AccumulatorType::get(
      context, {tile.getBlockM(), tile.getBlockN()}, builder.getF32Type());
  Value actTile = TileAllocSharedOp::create(builder, loc, actTileType);
  Value weightTile = TileAllocSharedOp::create(builder, loc, weightTileType);
  Value acc = TileAllocAccOp::create(builder, loc, accType);
  TileZeroOp::create(builder, loc, acc);

  auto loop = scf::ForOp::create(builder, loc, constant(0), constant(K),
                                 constant(tile.getBlockK()));
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    TileLoadActOp::create(builder, loc, argument("x"), row0, k0, argument("m"),
                          actTile);
    TileLoadDequantOp::create(builder, loc, argument("qweight"),
                              argument("qzeros"), argument("scales"),
                              argument("g_idx"), k0, col0, weightTile,
                              op.getLayout());
    gpu::BarrierOp::create(builder, loc);
    TileMmaOp::create(builder, loc, actTile, weightTile, acc);
    gpu::BarrierOp::create(builder, loc);
  }
  TileStoreOp::create(builder, loc, acc, argument("y"), row0, col0,
                      argument("m"), argument("bias"));
  gpu::ReturnOp::create(builder, loc);
}

/// The layout- and shape-dependent tile rules (autotune/TileLegality.cpp,
/// shared with the autotune cache and gptq-tune), checked here so that a bad
/// hand-written tile fails with a message instead of in NVRTC.
LogicalResult verifyTileForShape(MatmulOp op, TileAttr tile, int64_t K,
                                 int64_t N) {
  gptq::Status status = gptq::autotune::checkTileForProblem(
      toTileConfig(tile), toTileProblem(op.getLayout(), K, N));
  if (!status.ok())
    return op.emitOpError() << status.message();
  return success();
}

struct QMMTilePass : mlir::qmm::impl::QMMTileBase<QMMTilePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<MatmulOp> matmuls;
    module.walk([&](MatmulOp op) {
      if (op.getTileAttr() && !op.getKernelAttr())
        matmuls.push_back(op);
    });
    if (matmuls.empty())
      return;

    gpu::GPUModuleOp kernelModule = getOrCreateKernelModule(module);
    for (MatmulOp op : matmuls) {
      int64_t K = op.getX().getType().getDimSize(1);
      int64_t N = op.getResult().getType().getDimSize(1);
      if (ShapedType::isDynamic(K) || ShapedType::isDynamic(N)) {
        op.emitOpError() << "needs static K and N to generate a kernel";
        return signalPassFailure();
      }
      if (op.getLayout().getReordered() &&
          op.getTileAttr().getStrategy() != KernelStrategy::stream) {
        op.emitOpError() << "has a reordered layout and a tile of strategy "
                         << stringifyKernelStrategy(
                                op.getTileAttr().getStrategy())
                         << ": only stream tiles gather x by the "
                            "permutation";
        return signalPassFailure();
      }
      if (failed(verifyTileForShape(op, op.getTileAttr(), K, N)))
        return signalPassFailure();
      std::string name = kernelName(op, K, N);
      if (!kernelModule.lookupSymbol(name))
        buildKernel(op, kernelModule, name, K, N);
      op.setKernelAttr(
          SymbolRefAttr::get(&getContext(), kKernelModuleName,
                             {FlatSymbolRefAttr::get(&getContext(), name)}));
    }
  }
};

} // namespace
