//===- QMMToCUDA.cpp - qmm kernels -> CUDA C++ source ---------------------===//
//
// A one-to-one translation: every op of a generated kernel becomes one C++
// statement, and every qmm.tile op one call of a building block from
// runtime/device/qmm/tile_ops.cuh, whose template arguments carry the
// compile-time shapes so NVRTC fully unrolls each specialization. The
// emitter knows nothing about tiling strategy; the passes decide it.
//
//===----------------------------------------------------------------------===//

#include "gptq/Conversion/QMMToCUDA.h"
#include "gptq/Autotune/TileLegality.h"
#include "gptq/Dialect/QMM/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/IndentedOstream.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>

namespace mlir::qmm {
#define GEN_PASS_DEF_CONVERTQMMTOCUDA
#include "QMM/QMMPasses.h.inc"
} // namespace mlir::qmm

using namespace mlir;
using namespace mlir::qmm;

namespace {

std::string cudaScalarType(Type type) {
  if (type.isF16())
    return "__half";
  if (type.isBF16())
    return "__nv_bfloat16";
  if (type.isF32())
    return "float";
  if (type.isInteger(32))
    return "int32_t";
  return "";
}

class KernelEmitter {
public:
  KernelEmitter(gpu::GPUFuncOp func, raw_indented_ostream &os)
      : func(func), os(os) {}

  LogicalResult emit();

private:
  /// The C++ expression for an index value: a literal for constants, else
  /// the variable that holds it.
  FailureOr<std::string> expr(Value value);
  std::string declare(Value value);
  LogicalResult emitBlock(Block &block);
  LogicalResult emitOp(Operation *op);
  LogicalResult emitSignature();

  /// Static extent of dimension `dim` of a memref value, as a literal.
  FailureOr<std::string> staticDim(Value memref, unsigned dim);

  /// A whole-kernel building block call (qmm.tile.stream_matmul,
  /// qmm.tile.pipelined_matmul): qmm::<function><threads, layout, block_m,
  /// block_n, block_k, stages[, split_k]>(x, qweight, qzeros, scales[,
  /// g_idx], bias, y, rows, K, N, row, col). `gIdx` is passed only when
  /// `withGIdx`; split_k only when above 1.
  template <typename Op>
  LogicalResult emitMatmulCall(Op op, StringRef function, bool withGIdx,
                               Value gIdx);

  /// qmm.tile.wgmma_tma_matmul: qmm::wgmma_tma_matmul<threads, layout,
  /// block_m, block_n, block_k, stages[, split_k]>(x_map, qweight_map,
  /// scales_map, qzeros_map, bias, y, rows, K, N, row, col).
  LogicalResult emitTmaMatmulCall(TileWgmmaTmaMatmulOp op);
  /// What every whole-kernel call starts with: `qmm::<function><threads,
  /// qmm::QuantLayout<...>, block_m, block_n, block_k, stages[, split_k]`
  /// (the caller closes the template argument list).
  LogicalResult emitTileCallHead(Operation *op, StringRef function,
                                 LayoutAttr layout, TileAttr tile, int64_t K);

  gpu::GPUFuncOp func;
  raw_indented_ostream &os;
  DenseMap<Value, std::string> names;
  unsigned nextId = 0;
  int64_t threads = 0;
};

FailureOr<std::string> KernelEmitter::expr(Value value) {
  if (!value)
    return std::string("nullptr");
  auto it = names.find(value);
  if (it != names.end())
    return it->second;
  if (auto constant = value.getDefiningOp<arith::ConstantIndexOp>())
    return std::to_string(constant.value());
  if (auto constant = value.getDefiningOp<arith::ConstantIntOp>())
    return std::to_string(constant.value());
  return emitError(value.getLoc()) << "value has no CUDA name";
}

std::string KernelEmitter::declare(Value value) {
  std::string name = "v" + std::to_string(nextId++);
  names[value] = name;
  return name;
}

FailureOr<std::string> KernelEmitter::staticDim(Value memref, unsigned dim) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.isDynamicDim(dim))
    return emitError(memref.getLoc())
           << "dimension " << dim << " must be static for CUDA emission";
  return std::to_string(type.getDimSize(dim));
}

LogicalResult KernelEmitter::emitSignature() {
  DenseI32ArrayAttr blockSize = func.getKnownBlockSizeAttr();
  if (!blockSize || blockSize.size() != 3 || blockSize[1] != 1 ||
      blockSize[2] != 1 || blockSize[0] % 32 != 0)
    return func.emitOpError()
           << "needs known_block_size = [32 * warps, 1, 1] for CUDA emission";
  threads = blockSize[0];

  // Pointers written by a store are the outputs; all others are read-only.
  DenseSet<Value> written;
  func.walk([&](TileStoreOp store) { written.insert(store.getDest()); });
  func.walk(
      [&](TileStreamMatmulOp stream) { written.insert(stream.getDest()); });
  func.walk([&](TilePipelinedMatmulOp pipelined) {
    written.insert(pipelined.getDest());
  });
  func.walk([&](TileWgmmaMatmulOp wgmma) { written.insert(wgmma.getDest()); });
  func.walk(
      [&](TileWgmmaTmaMatmulOp wgmma) { written.insert(wgmma.getDest()); });

  // Decode stream kernels are weight streams: how many bytes are in flight
  // per SM is what counts, so 8-row tiles on the fast dequantization paths
  // (not act-order) ask for an occupancy that keeps at least 12 warps
  // resident (170 registers at 4 warps per CTA). Without it, 3-bit decode
  // ran slower than 4-bit on two of the eight qmm-bench shapes. In the H100
  // sweeps 16 warps (128 registers) and 12 measured alike, but at 128 registers
  // the 4-bit tiles spilled a few bytes. Everything else states 1: with the
  // block size alone, ptxas (CUDA 13) capped some 256-thread stream kernels at
  // 64 registers and spilled. Reordered act-order kernels count as plain
  // ones: their 8-row tiles gather x into shared memory once and then run
  // the plain loop (stream.cuh; H100, qmm-bench M = 1, 2026-11-27: 70B.o
  // 25.9 -> 23.2 us with two 8-warp CTAs per SM instead of one, no
  // spills). Since the decode kernel's
  // instruction diet (2026-11-26) the 4-bit tiles fit 128 registers without
  // spilling, so 8-warp tiles ask for two CTAs (16 warps) per SM: N = 8192
  // decode then runs 8-warp CTAs in one wave (gptq-tune, H100, against
  // 4-warp CTAs: 4-bit 70B.o 20.6 -> 19.6 us, 70B.down 57.2 -> 52.3;
  // 3-bit, which spills 16 bytes at 128 registers, 19.5 -> 17.6 and
  // 53.9 -> 44.6). 16-warp tiles (512 threads) fill the SM alone. Asking
  // 8-warp tiles for one CTA where the grid has at most one per SM of an
  // H100 SXM measured 1-4% faster there (4-bit 148 registers; 3-bit 7B.o
  // 9.4 -> 9.0 us) but would halve the CTAs resident on GPUs with fewer
  // SMs (A100 108, H100 PCIe 114: 128 column blocks in two waves), and the
  // emitter does not know the GPU: not done. Stream tiles of 6-7 column
  // warps (192-224 threads, stream.cuh) ask for two CTAs per SM too (at
  // most 170 and 146 registers).
  int minBlocks = 1;
  // Pipelined tiles are latency-bound at 8 resident warps (two 4-warp CTAs
  // at the ~174 registers ptxas picks by itself): asking for 12 warps (168
  // registers at 4 warps) measured 1.15-1.3x faster at M = 256 on the wide
  // qmm-bench shapes (7B.qkv 159 -> 123 us, 70B.gate-up 1237 -> 1078 us)
  // and alike on the others.
  func.walk([&](TilePipelinedMatmulOp) {
    constexpr int kWarpsPerSm = 12;
    minBlocks = std::max<int>(1, kWarpsPerSm * 32 / threads);
  });
  func.walk([&](TileStreamMatmulOp stream) {
    TileAttr tile = stream.getTile();
    LayoutAttr layout = stream.getLayout();
    if (tile.getBlockM() != 8 ||
        (layout.getActOrder() && !layout.getReordered()))
      return;
    const int warpsPerSm = threads >= 192 ? 16 : 12;
    minBlocks = std::max<int>(1, warpsPerSm * 32 / threads);
  });
  // TMA tiles ask registers for as many CTAs per SM as their shared memory
  // lets reside (228 KB per SM, 1 KB of it reserved per CTA, plus the
  // mbarriers), at most three of one consumer warpgroup (two from 128
  // rows, whose accumulators need the registers) and two of two (one from
  // 128 rows): the configurations measured in wgmma_tma.cuh's harness.
  func.walk([&](TileWgmmaTmaMatmulOp tma) {
    TileAttr tile = tma.getTile();
    const int64_t dynamicBytes = gptq::autotune::launchDynamicSharedBytes(
        toTileConfig(tile), gptq::autotune::TileProblem{});
    constexpr int64_t kSharedPerSm = 228 * 1024, kPerCtaOverhead = 2048;
    const int64_t bySharedMemory =
        kSharedPerSm / (dynamicBytes + kPerCtaOverhead);
    const bool oneGroup = tile.getWarps() == 5;
    const int64_t byRegisters =
        tile.getBlockM() <= 64 ? (oneGroup ? 3 : 2) : (oneGroup ? 2 : 1);
    minBlocks =
        int(std::max<int64_t>(1, std::min(bySharedMemory, byRegisters)));
  });
  // Split-K tiles run as clusters of split_k CTAs along z (cluster.cuh).
  int64_t splitK = 1;
  if (TileAttr tile = func->getAttrOfType<TileAttr>("qmm.tile"))
    splitK = tile.getSplitK();
  os << "extern \"C\" __global__ void __launch_bounds__(" << threads << ", "
     << minBlocks << ")";
  if (splitK > 1)
    os << " __cluster_dims__(1, 1, " << splitK << ")";
  os << "\n" << func.getName() << "(";
  for (BlockArgument arg : func.getArguments()) {
    auto role =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kParamAttrName);
    if (!role)
      return func.emitOpError() << "argument " << arg.getArgNumber()
                                << " has no " << kParamAttrName << " role";
    std::string name = role.getValue().str();
    names[arg] = name;
    if (arg.getArgNumber() != 0)
      os << ", ";
    if (arg.getType().isIndex()) {
      os << "int " << name;
      continue;
    }
    // Tensor maps are read by the TMA unit from the parameter space itself.
    if (isa<TensorMapType>(arg.getType())) {
      os << "const __grid_constant__ qmm::TensorMap " << name;
      continue;
    }
    auto memref = dyn_cast<MemRefType>(arg.getType());
    if (!memref)
      return func.emitOpError()
             << "cannot pass argument of type " << arg.getType();
    std::string element = cudaScalarType(memref.getElementType());
    // Packed codes and zero points are bit fields, not numbers.
    if (name == "qweight" || name == "qzeros")
      element = "uint32_t";
    os << (written.contains(arg) ? "" : "const ") << element
       << " *__restrict__ " << name;
  }
  os << ") {\n";
  return success();
}

LogicalResult KernelEmitter::emit() {
  LayoutAttr layout = func->getAttrOfType<LayoutAttr>("qmm.layout");
  TileAttr tile = func->getAttrOfType<TileAttr>("qmm.tile");
  os << "// " << func.getName() << "\n";
  if (layout)
    os << "//   layout " << layout << "\n";
  if (tile)
    os << "//   tile " << tile << "\n";
  if (failed(emitSignature()))
    return failure();
  os.indent();
  if (failed(emitBlock(func.getBody().front())))
    return failure();
  os.unindent();
  os << "}\n";
  return success();
}

LogicalResult KernelEmitter::emitBlock(Block &block) {
  for (Operation &op : block)
    if (failed(emitOp(&op)))
      return failure();
  return success();
}

LogicalResult KernelEmitter::emitOp(Operation *op) {
  auto binary = [&](Operation *op, StringRef symbol) -> LogicalResult {
    FailureOr<std::string> lhs = expr(op->getOperand(0));
    FailureOr<std::string> rhs = expr(op->getOperand(1));
    if (failed(lhs) || failed(rhs))
      return failure();
    os << "const int " << declare(op->getResult(0)) << " = " << *lhs << " "
       << symbol << " " << *rhs << ";\n";
    return success();
  };

  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::ConstantOp constant) -> LogicalResult {
        if (!constant.getType().isIntOrIndex())
          return constant.emitOpError() << "only integer constants are emitted";
        return success(); // inlined at each use by expr()
      })
      .Case([&](arith::AddIOp add) { return binary(add, "+"); })
      .Case([&](arith::SubIOp sub) { return binary(sub, "-"); })
      .Case([&](arith::MulIOp mul) { return binary(mul, "*"); })
      .Case([&](gpu::BlockIdOp blockId) -> LogicalResult {
        os << "const int " << declare(blockId) << " = int(blockIdx."
           << gpu::stringifyDimension(blockId.getDimension()) << ");\n";
        return success();
      })
      .Case([&](gpu::ThreadIdOp threadId) -> LogicalResult {
        os << "const int " << declare(threadId) << " = int(threadIdx."
           << gpu::stringifyDimension(threadId.getDimension()) << ");\n";
        return success();
      })
      .Case([&](gpu::BarrierOp) -> LogicalResult {
        os << "__syncthreads();\n";
        return success();
      })
      .Case([&](gpu::ReturnOp ret) -> LogicalResult {
        if (ret->getNextNode() || ret->getBlock() != &func.getBody().front())
          os << "return;\n";
        return success();
      })
      .Case([&](scf::ForOp loop) -> LogicalResult {
        if (loop.getNumRegionIterArgs() != 0)
          return loop.emitOpError()
                 << "loop-carried values are not emitted to CUDA";
        FailureOr<std::string> lower = expr(loop.getLowerBound());
        FailureOr<std::string> upper = expr(loop.getUpperBound());
        FailureOr<std::string> step = expr(loop.getStep());
        if (failed(lower) || failed(upper) || failed(step))
          return failure();
        std::string iv = declare(loop.getInductionVar());
        os << "for (int " << iv << " = " << *lower << "; " << iv << " < "
           << *upper << "; " << iv << " += " << *step << ") {\n";
        os.indent();
        for (Operation &nested : loop.getBody()->without_terminator())
          if (failed(emitOp(&nested)))
            return failure();
        os.unindent();
        os << "}\n";
        return success();
      })
      .Case([&](TileAllocSharedOp alloc) -> LogicalResult {
        SharedTileType type = alloc.getType();
        os << "__shared__ qmm::SharedTile<"
           << cudaScalarType(type.getElementType()) << ", " << type.getRows()
           << ", " << type.getCols() << "> " << declare(alloc) << ";\n";
        return success();
      })
      .Case([&](TileAllocAccOp alloc) -> LogicalResult {
        AccumulatorType type = alloc.getType();
        os << "qmm::Accumulator<" << type.getRows() << ", " << type.getCols()
           << ", " << threads / 32 << "> " << declare(alloc) << ";\n";
        return success();
      })
      .Case([&](TileZeroOp zero) -> LogicalResult {
        FailureOr<std::string> acc = expr(zero.getAcc());
        if (failed(acc))
          return failure();
        os << "qmm::zero(" << *acc << ");\n";
        return success();
      })
      .Case([&](TileLoadActOp load) -> LogicalResult {
        FailureOr<std::string> dest = expr(load.getDest()),
                               source = expr(load.getSource()),
                               rows = expr(load.getRows()),
                               row = expr(load.getRow()),
                               col = expr(load.getCol()),
                               cols = staticDim(load.getSource(), 1);
        if (failed(dest) || failed(source) || failed(rows) || failed(row) ||
            failed(col) || failed(cols))
          return failure();
        os << "qmm::load_act<" << threads << ">(" << *dest << ", " << *source
           << ", " << *rows << ", " << *cols << ", " << *row << ", " << *col
           << ");\n";
        return success();
      })
      .Case([&](TileLoadDequantOp load) -> LogicalResult {
        LayoutAttr layout = load.getLayout();
        FailureOr<std::string> dest = expr(load.getDest()),
                               qweight = expr(load.getQweight()),
                               qzeros = expr(load.getQzeros()),
                               scales = expr(load.getScales()),
                               gIdx = expr(load.getGIdx()),
                               k = expr(load.getK()), n = expr(load.getN()),
                               outFeatures = staticDim(load.getScales(), 1),
                               packedRows = staticDim(load.getQweight(), 0);
        if (failed(dest) || failed(qweight) || failed(qzeros) ||
            failed(scales) || failed(gIdx) || failed(k) || failed(n) ||
            failed(outFeatures) || failed(packedRows))
          return failure();
        int64_t inFeatures =
            load.getQweight().getType().getDimSize(0) * 32 / layout.getBits();
        os << "qmm::load_dequant<" << threads << ", qmm::QuantLayout<"
           << layout.getBits() << ", "
           << layout.getEffectiveGroupSize(inFeatures) << ", "
           << (layout.getActOrder() ? "true" : "false") << ", "
           << (layout.getFormat() == CheckpointFormat::gptq_v1
                   ? "qmm::ZeroStorage::MinusOne"
                   : "qmm::ZeroStorage::AsIs")
           << ">>(" << *dest << ", " << *qweight << ", " << *qzeros << ", "
           << *scales << ", " << *gIdx << ", " << *outFeatures << ", " << *k
           << ", " << *n << ");\n";
        return success();
      })
      .Case([&](TileMmaOp mma) -> LogicalResult {
        FailureOr<std::string> acc = expr(mma.getAcc()),
                               lhs = expr(mma.getLhs()),
                               rhs = expr(mma.getRhs());
        if (failed(acc) || failed(lhs) || failed(rhs))
          return failure();
        os << "qmm::mma(" << *acc << ", " << *lhs << ", " << *rhs << ");\n";
        return success();
      })
      .Case([&](TileStoreOp store) -> LogicalResult {
        FailureOr<std::string> acc = expr(store.getAcc()),
                               dest = expr(store.getDest()),
                               bias = expr(store.getBias()),
                               rows = expr(store.getRows()),
                               row = expr(store.getRow()),
                               col = expr(store.getCol()),
                               cols = staticDim(store.getDest(), 1);
        if (failed(acc) || failed(dest) || failed(bias) || failed(rows) ||
            failed(row) || failed(col) || failed(cols))
          return failure();
        os << "qmm::store(" << *acc << ", " << *dest << ", " << *bias << ", "
           << *rows << ", " << *cols << ", " << *row << ", " << *col << ");\n";
        return success();
      })
      .Case([&](TileStreamMatmulOp stream) -> LogicalResult {
        return emitMatmulCall(stream, "stream_matmul", /*withGIdx=*/true,
                              stream.getGIdx());
      })
      .Case([&](TilePipelinedMatmulOp pipelined) -> LogicalResult {
        if (pipelined.getLayout().getActOrder())
          return pipelined.emitOpError()
                 << "has an act-order layout: the pipelined kernel reads one "
                    "group per step";
        return emitMatmulCall(pipelined, "pipelined_matmul",
                              /*withGIdx=*/false, Value());
      })
      .Case([&](TileWgmmaMatmulOp wgmma) -> LogicalResult {
        LayoutAttr layout = wgmma.getLayout();
        if (layout.getActOrder() || layout.getBits() != 4)
          return wgmma.emitOpError()
                 << "needs a 4-bit layout without act-order: the wgmma "
                    "kernel decodes 4-bit codes in their natural order";
        return emitMatmulCall(wgmma, "wgmma_matmul", /*withGIdx=*/false,
                              Value());
      })
      .Case([&](TileWgmmaTmaMatmulOp tma) -> LogicalResult {
        LayoutAttr layout = tma.getLayout();
        if (layout.getActOrder() || layout.getBits() != 4)
          return tma.emitOpError()
                 << "needs a 4-bit layout without act-order: the wgmma_tma "
                    "kernel decodes 4-bit codes in their natural order";
        return emitTmaMatmulCall(tma);
      })
      .Default([&](Operation *op) {
        return op->emitOpError() << "cannot be emitted as CUDA C++";
      });
}

template <typename Op>
LogicalResult KernelEmitter::emitMatmulCall(Op op, StringRef function,
                                            bool withGIdx, Value gIdx) {
  LayoutAttr layout = op.getLayout();
  TileAttr tile = op.getTile();
  FailureOr<std::string> source = expr(op.getSource()),
                         qweight = expr(op.getQweight()),
                         qzeros = expr(op.getQzeros()),
                         scales = expr(op.getScales()), gIdxExpr = expr(gIdx),
                         bias = expr(op.getBias()), dest = expr(op.getDest()),
                         row = expr(op.getRow()), col = expr(op.getCol()),
                         rows = expr(op.getRows()),
                         inFeatures = staticDim(op.getSource(), 1),
                         outFeatures = staticDim(op.getDest(), 1);
  if (failed(source) || failed(qweight) || failed(qzeros) || failed(scales) ||
      failed(gIdxExpr) || failed(bias) || failed(dest) || failed(row) ||
      failed(col) || failed(rows) || failed(inFeatures) || failed(outFeatures))
    return failure();
  int64_t K = cast<MemRefType>(op.getSource().getType()).getDimSize(1);
  if (failed(emitTileCallHead(op, function, layout, tile, K)))
    return failure();
  os << ">(" << *source << ", " << *qweight << ", " << *qzeros << ", "
     << *scales << ", ";
  if (withGIdx)
    os << *gIdxExpr << ", ";
  os << *bias << ", " << *dest << ", " << *rows << ", " << *inFeatures << ", "
     << *outFeatures << ", " << *row << ", " << *col << ");\n";
  return success();
}

LogicalResult KernelEmitter::emitTileCallHead(Operation *op, StringRef function,
                                              LayoutAttr layout, TileAttr tile,
                                              int64_t K) {
  if (tile.getWarps() * 32 != threads)
    return op->emitOpError()
           << "tile has " << tile.getWarps() << " warps but the kernel runs "
           << threads << " threads";
  // A reordered weight is a plain grouped one (ActOrder false) whose kernel
  // gathers x through the permutation passed as g_idx (XPermuted).
  const bool reordered = layout.getReordered();
  os << "qmm::" << function << "<" << threads << ", qmm::QuantLayout<"
     << layout.getBits() << ", " << layout.getEffectiveGroupSize(K) << ", "
     << (layout.getActOrder() && !reordered ? "true" : "false") << ", "
     << (layout.getFormat() == CheckpointFormat::gptq_v1
             ? "qmm::ZeroStorage::MinusOne"
             : "qmm::ZeroStorage::AsIs")
     << (reordered ? ", true" : "") << ">, " << tile.getBlockM() << ", "
     << tile.getBlockN() << ", " << tile.getBlockK() << ", "
     << tile.getStages();
  if (tile.getSplitK() > 1)
    os << ", " << tile.getSplitK();
  return success();
}

LogicalResult KernelEmitter::emitTmaMatmulCall(TileWgmmaTmaMatmulOp op) {
  LayoutAttr layout = op.getLayout();
  TileAttr tile = op.getTile();
  FailureOr<std::string> xMap = expr(op.getXMap()),
                         qweightMap = expr(op.getQweightMap()),
                         scalesMap = expr(op.getScalesMap()),
                         qzerosMap = expr(op.getQzerosMap()),
                         bias = expr(op.getBias()), dest = expr(op.getDest()),
                         row = expr(op.getRow()), col = expr(op.getCol()),
                         rows = expr(op.getRows()),
                         inFeatures = staticDim(op.getSource(), 1),
                         outFeatures = staticDim(op.getDest(), 1);
  if (failed(xMap) || failed(qweightMap) || failed(scalesMap) ||
      failed(qzerosMap) || failed(bias) || failed(dest) || failed(row) ||
      failed(col) || failed(rows) || failed(inFeatures) || failed(outFeatures))
    return failure();
  int64_t K = cast<MemRefType>(op.getSource().getType()).getDimSize(1);
  if (failed(emitTileCallHead(op, "wgmma_tma_matmul", layout, tile, K)))
    return failure();
  os << ">(" << *xMap << ", " << *qweightMap << ", " << *scalesMap << ", "
     << *qzerosMap << ", " << *bias << ", " << *dest << ", " << *rows << ", "
     << *inFeatures << ", " << *outFeatures << ", " << *row << ", " << *col
     << ");\n";
  return success();
}

} // namespace

LogicalResult mlir::qmm::translateKernelModuleToCuda(gpu::GPUModuleOp module,
                                                     raw_ostream &output) {
  raw_indented_ostream os(output);
  os << "// Generated by convert-qmm-to-cuda from gpu.module @"
     << module.getName() << "; do not edit.\n"
     << "#include \"qmm/tile_ops.cuh\"\n"
     << "#include \"qmm/stream.cuh\"\n"
     << "#include \"qmm/pipelined.cuh\"\n";
  // Only sm_90a kernels use it; others need not parse it.
  bool anyWgmma = false;
  module.walk([&](TileWgmmaMatmulOp) { anyWgmma = true; });
  if (anyWgmma)
    os << "#include \"qmm/wgmma.cuh\"\n";
  bool anyTma = false;
  module.walk([&](TileWgmmaTmaMatmulOp) { anyTma = true; });
  if (anyTma)
    os << "#include \"qmm/wgmma_tma.cuh\"\n";
  for (auto func : module.getOps<gpu::GPUFuncOp>()) {
    if (!func.isKernel())
      continue;
    os << "\n";
    if (failed(KernelEmitter(func, os).emit()))
      return failure();
  }
  return success();
}

namespace {
struct ConvertQMMToCUDAPass
    : mlir::qmm::impl::ConvertQMMToCUDABase<ConvertQMMToCUDAPass> {
  void runOnOperation() override {
    for (auto module : getOperation().getOps<gpu::GPUModuleOp>()) {
      std::string source;
      llvm::raw_string_ostream os(source);
      if (failed(translateKernelModuleToCuda(module, os)))
        return signalPassFailure();
      module->setAttr(kCudaSourceAttrName,
                      StringAttr::get(&getContext(), source));
    }
  }
};
} // namespace
