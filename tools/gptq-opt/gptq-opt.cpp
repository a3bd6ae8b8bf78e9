//===- gptq-opt.cpp - the qmm compiler driver -----------------------------===//
//
// mlir-opt for the qmm dialect, plus output modes: `--emit=mlir` prints the
// module after the requested passes; `--emit=cuda` and `--emit=ptx` finish
// the lowering (qmm-lower-to-cuda) for each `--arch` and print the CUDA C++
// or the PTX that NVRTC makes of it. `--summary` prints one line per kernel
// (registers, shared memory, spills) from compiling it for the architecture.
// `--emit=manifest` writes JSON describing each kernel (name, layout, tile,
// parameters, launch shape): what a runtime needs to launch the CUDA source.
//
//===----------------------------------------------------------------------===//

#include "gptq/Autotune/TileLegality.h"
#include "gptq/Dialect/QMM/Passes.h"
#include "gptq/Runtime/Nvrtc.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class EmitKind { Mlir, Cuda, Ptx, Manifest };

cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<input .mlir>"),
                                   cl::init("-"));
cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                    cl::value_desc("filename"), cl::init("-"));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to write"), cl::init(EmitKind::Mlir),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir",
                          "the module after the passes"),
               clEnumValN(EmitKind::Cuda, "cuda", "CUDA C++ of the kernels"),
               clEnumValN(EmitKind::Ptx, "ptx", "PTX compiled by NVRTC"),
               clEnumValN(EmitKind::Manifest, "manifest",
                          "JSON describing each kernel and how to launch it")));
cl::list<std::string>
    archs("arch",
          cl::desc("GPU architectures for --emit=cuda|ptx (sm_80, sm_90a, "
                   "...; comma-separated or repeated)"),
          cl::CommaSeparated);
cl::opt<bool> printSummary(
    "summary",
    cl::desc("Print one line per kernel and architecture: registers, shared "
             "memory, spills (compiles a cubin with NVRTC)"),
    cl::init(false));
cl::list<std::string> nvrtcOptions(
    "Xnvrtc",
    cl::desc("Extra NVRTC option for --emit=ptx (repeatable), e.g. "
             "-Xnvrtc=-DQMM_ABLATE_X for the timing switches of "
             "runtime/device/qmm/ablate.cuh"),
    cl::value_desc("option"));
cl::opt<std::string> autotuneCache(
    "autotune-cache",
    cl::desc("Autotune cache written by gptq-tune: --emit=cuda|ptx|manifest "
             "take each qmm.matmul's tile from it when it has an entry for "
             "the architecture, else the defaults (with --emit=mlir, pass "
             "-qmm-select-tile=\"autotune-cache=PATH\" instead)"),
    cl::value_desc("path"), cl::init(""));
cl::opt<std::string> autotuneGpu(
    "autotune-gpu",
    cl::desc("With --autotune-cache: use only entries measured on this GPU "
             "(its CUDA name, e.g. 'NVIDIA H100 80GB HBM3'); default: any "
             "GPU of the architecture"),
    cl::value_desc("name"), cl::init(""));
cl::opt<int64_t> targetSms(
    "sms",
    cl::desc("SMs of the target GPU, for the default tiles' grid rules "
             "(--emit=cuda|ptx|manifest; default: the H100 SXM's 132)"),
    cl::init(gptq::autotune::kReferenceSms));
cl::opt<bool> splitInputFile(
    "split-input-file",
    cl::desc("Process each chunk between '// -----' markers on its own"),
    cl::init(false));
cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("Check diagnostics against expected-* comments in the input"),
    cl::init(false));

/// The gpu.module sources that convert-qmm-to-cuda attached to `module`.
SmallVector<std::pair<std::string, std::string>> cudaSources(ModuleOp module) {
  SmallVector<std::pair<std::string, std::string>> sources;
  module.walk([&](gpu::GPUModuleOp kernels) {
    if (auto source =
            kernels->getAttrOfType<StringAttr>(qmm::kCudaSourceAttrName))
      sources.push_back({kernels.getName().str(), source.getValue().str()});
  });
  return sources;
}

/// One JSON object per kernel of the lowered module, and one per
/// qmm.matmul saying which kernel it runs (kernels are shared by matmuls of
/// the same layout, shape and tile).
void appendManifest(ModuleOp lowered, const std::string &arch,
                    llvm::json::Array &kernels, llvm::json::Array &matmuls) {
  lowered.walk([&](qmm::MatmulOp matmul) {
    auto function = matmul->getParentOfType<FunctionOpInterface>();
    SymbolRefAttr kernel = matmul.getKernelAttr();
    int64_t rows = matmul.getX().getType().getDimSize(0);
    matmuls.push_back(llvm::json::Object{
        {"function", function ? function.getName().str() : std::string()},
        {"arch", arch},
        {"kernel", kernel ? kernel.getLeafReference().str() : std::string()},
        {"rows", ShapedType::isDynamic(rows) ? int64_t(-1) : rows}});
  });
  lowered.walk([&](gpu::GPUFuncOp func) {
    auto layout = func->getAttrOfType<qmm::LayoutAttr>("qmm.layout");
    auto tile = func->getAttrOfType<qmm::TileAttr>("qmm.tile");
    if (!func.isKernel() || !layout || !tile)
      return;
    llvm::json::Array params;
    int64_t inFeatures = 0, outFeatures = 0;
    std::string elementType;
    for (BlockArgument arg : func.getArguments()) {
      auto role = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    qmm::kParamAttrName);
      params.push_back(role ? role.getValue().str() : std::string("?"));
      auto memref = dyn_cast<MemRefType>(arg.getType());
      if (role && role.getValue() == "x" && memref) {
        inFeatures = memref.getDimSize(1);
        elementType = memref.getElementType().isBF16() ? "bf16" : "f16";
      }
      if (role && role.getValue() == "y" && memref)
        outFeatures = memref.getDimSize(1);
    }
    auto gpuModule = func->getParentOfType<gpu::GPUModuleOp>();
    const int64_t dynamicSharedBytes = gptq::autotune::launchDynamicSharedBytes(
        qmm::toTileConfig(tile),
        qmm::toTileProblem(layout, inFeatures, outFeatures));
    kernels.push_back(llvm::json::Object{
        {"name", func.getName().str()},
        {"module", gpuModule.getName().str()},
        {"arch", arch},
        {"element_type", elementType},
        {"bits", int64_t(layout.getBits())},
        {"group_size", layout.getGroupSize()},
        {"act_order", layout.getActOrder()},
        // The runtime must pass the regrouped qweight and the permutation
        // (in the g_idx slot) to a reordered kernel.
        {"reordered", layout.getReordered()},
        {"sym", layout.getSym()},
        {"format", qmm::stringifyCheckpointFormat(layout.getFormat()).str()},
        {"in_features", inFeatures},
        {"out_features", outFeatures},
        {"strategy", qmm::stringifyKernelStrategy(tile.getStrategy()).str()},
        // Whether launchers may start it before the act-order gather ends.
        {"early_start", qmm::startsBeforeGatherEnds(tile.getStrategy())},
        // Whether launchers may start it before another kernel before it
        // ends (a model forward's norms, attention, SiLU product).
        {"early_start_after_kernel", qmm::startsBeforePriorKernelEnds(
                                         tile.getStrategy(), tile.getSplitK())},
        {"block_m", tile.getBlockM()},
        {"block_n", tile.getBlockN()},
        {"block_k", tile.getBlockK()},
        {"warps", tile.getWarps()},
        {"stages", tile.getStages()},
        // CTAs of one cluster along z that split K (sm_90+).
        {"split_k", tile.getSplitK()},
        {"threads", 32 * tile.getWarps()},
        // Shared memory the launch passes (and opts in to past 48 KB).
        {"dynamic_shared_bytes", dynamicSharedBytes},
        {"grid", "[out_features / block_n, ceil(m / block_m), split_k]"},
        {"params", std::move(params)}});
  });
}

/// Lowers a clone of `module` for `arch` and writes what --emit asks for.
LogicalResult emitForArch(ModuleOp module, const PassPipelineCLParser &passes,
                          const std::string &arch, bool labelArch,
                          raw_ostream &os, raw_ostream &summaryOs,
                          llvm::json::Array &manifest,
                          llvm::json::Array &matmuls) {
  OwningOpRef<ModuleOp> lowered = module.clone();
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  auto errorHandler = [&](const Twine &message) {
    return emitError(UnknownLoc::get(module.getContext())) << message;
  };
  if (failed(passes.addToPipeline(pm, errorHandler)))
    return failure();
  qmm::buildLowerToCudaPipeline(pm, arch, autotuneCache, autotuneGpu,
                                /*reorderActOrder=*/false, targetSms);
  if (failed(pm.run(*lowered)))
    return failure();
  if (emitKind == EmitKind::Manifest) {
    appendManifest(*lowered, arch, manifest, matmuls);
    return success();
  }

  for (auto &[moduleName, source] : cudaSources(*lowered)) {
    if (labelArch)
      os << "// ----- " << arch << " -----\n";
    gptq::rt::CompileOptions options;
    options.arch = arch;
    options.wantCubin = printSummary;
    options.extraOptions.assign(nvrtcOptions.begin(), nvrtcOptions.end());
    if (emitKind == EmitKind::Cuda && !printSummary) {
      os << source;
      continue;
    }
    auto compiled = gptq::rt::compileCuda(source, moduleName + ".cu", options);
    if (!compiled)
      return emitError(lowered->getLoc()) << compiled.message();
    os << (emitKind == EmitKind::Cuda ? source : compiled->ptx);
    if (printSummary)
      for (const gptq::rt::KernelResources &kernel : compiled->kernels)
        summaryOs << arch << "  " << kernel.name << "  registers "
                  << kernel.registers << "  smem " << kernel.sharedBytes
                  << " B  spill stores " << kernel.spillStoreBytes
                  << " B  spill loads " << kernel.spillLoadBytes << " B  stack "
                  << kernel.stackBytes << " B\n";
  }
  return success();
}

LogicalResult processModule(ModuleOp module, const PassPipelineCLParser &passes,
                            raw_ostream &os, raw_ostream &summaryOs) {
  if (emitKind == EmitKind::Mlir) {
    PassManager pm(module.getContext());
    if (failed(applyPassManagerCLOptions(pm)))
      return failure();
    auto errorHandler = [&](const Twine &message) {
      return emitError(UnknownLoc::get(module.getContext())) << message;
    };
    if (failed(passes.addToPipeline(pm, errorHandler)) ||
        failed(pm.run(module)))
      return failure();
    module.print(os);
    os << "\n";
    return success();
  }
  std::vector<std::string> targets(archs.begin(), archs.end());
  if (targets.empty())
    targets.push_back("sm_90a");
  llvm::json::Array manifest, matmuls;
  for (const std::string &arch : targets)
    if (failed(emitForArch(module, passes, arch, targets.size() > 1, os,
                           summaryOs, manifest, matmuls)))
      return failure();
  if (emitKind == EmitKind::Manifest)
    os << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                     {"kernels", std::move(manifest)},
                                     {"matmuls", std::move(matmuls)}}))
       << "\n";
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  DialectRegistry registry;
  registry.insert<qmm::QMMDialect, func::FuncDialect, arith::ArithDialect,
                  gpu::GPUDialect, scf::SCFDialect, memref::MemRefDialect,
                  tensor::TensorDialect, linalg::LinalgDialect>();
  qmm::registerQMMPasses();
  qmm::registerLowerToCudaPipeline();
  registerCanonicalizerPass();
  registerCSEPass();

  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  PassPipelineCLParser passes("", "Passes to run before emission");
  cl::ParseCommandLineOptions(
      argc, argv, "gptq-opt: run qmm passes and emit MLIR, CUDA C++ or PTX\n");

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &errorMessage);
  if (!input) {
    llvm::errs() << "gptq-opt: " << errorMessage << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << "gptq-opt: " << errorMessage << "\n";
    return 1;
  }
  // The summary goes beside the PTX/CUDA when that goes to a file, else to
  // stderr so that stdout stays a valid source file.
  raw_ostream &summaryOs = outputFilename == "-" ? llvm::errs() : llvm::outs();

  auto processChunk = [&](std::unique_ptr<llvm::MemoryBuffer> chunk,
                          raw_ostream &os) -> LogicalResult {
    MLIRContext context(registry);
    context.allowUnregisteredDialects(false);
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(chunk), llvm::SMLoc());
    auto parseAndProcess = [&]() -> LogicalResult {
      OwningOpRef<ModuleOp> module =
          parseSourceFile<ModuleOp>(sourceMgr, &context);
      if (!module)
        return failure();
      return processModule(*module, passes, os, summaryOs);
    };
    if (!verifyDiagnostics) {
      SourceMgrDiagnosticHandler handler(sourceMgr, &context);
      return parseAndProcess();
    }
    SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context);
    context.printOpOnDiagnostic(false);
    (void)parseAndProcess();
    return handler.verify();
  };

  LogicalResult result =
      splitAndProcessBuffer(std::move(input), processChunk, output->os(),
                            splitInputFile ? kDefaultSplitMarker : "",
                            splitInputFile ? kDefaultSplitMarker : "");
  if (failed(result))
    return 1;
  output->keep();
  return 0;
}
