//===- QmmLaunch.h - Arguments and grid of a generated qmm kernel -*- C++
//-*-===//
//
// Every generated qmm kernel declares its parameters by role (the
// `qmm.param` names qmm-tile gives them, lib/Transforms/TileMatmul.cpp) and
// runs on the grid its tile implies. One statement of both, for everything
// that launches those kernels: the JIT, the model runtime, qmm-bench,
// gptq-tune and the GPU tests.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUNTIME_QMMLAUNCH_H
#define GPTQ_RUNTIME_QMMLAUNCH_H

#include "gptq/Runtime/Module.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gptq::rt {

/// A generated kernel's parameter role. The *Map roles are TMA tensor maps
/// (`!qmm.tensor_map`) of the tensor they name, encoded per launch.
enum class QmmParam : uint8_t {
  X,
  Qweight,
  Qzeros,
  Scales,
  GIdx,
  Bias,
  Y,
  M,
  XMap,
  QweightMap,
  ScalesMap,
  QzerosMap
};
constexpr size_t kMaxQmmParams = 12;

/// "x", "qweight", "qzeros", "scales", "g_idx", "bias", "y", "m",
/// "x_map", "qweight_map", "scales_map", "qzeros_map" and back; nullopt
/// for a role the runtime does not know.
std::optional<QmmParam> qmmParamFromRole(std::string_view role);
const char *qmmParamRole(QmmParam param);

/// A kernel's parameters in declaration order.
struct QmmParamList {
  std::array<QmmParam, kMaxQmmParams> params{};
  unsigned count = 0;

  /// From role names (a bundle manifest's "params"): an error naming
  /// `kernel` and the role for one the runtime does not know, or for more
  /// than kMaxQmmParams.
  static Expected<QmmParamList> fromRoles(const std::vector<std::string> &roles,
                                          std::string_view kernel);
  /// Appends one; false when the list is full.
  bool push(QmmParam param);
};

/// One matmul's device pointers by role; 0 where the matmul has none.
struct QmmOperands {
  CUdeviceptr x = 0, qweight = 0, qzeros = 0, scales = 0, gIdx = 0, bias = 0,
              y = 0;
};

/// What the tensor maps of a wgmma_tma kernel (runtime/device/qmm/
/// wgmma_tma.cuh) are made from besides the pointers: the layer's shape,
/// its group size and the tile's blocks. Empty (inFeatures 0) for kernels
/// without maps.
struct QmmMapShape {
  int64_t inFeatures = 0;  // K
  int64_t outFeatures = 0; // N
  /// Input channels per quantization group; -1 or 0: one group spans K.
  int64_t groupSize = -1;
  int64_t blockM = 0, blockN = 0;
  bool bf16 = false;   // x and scales are bf16 (else fp16)
  int64_t blockK = 64; // channels per step: 64 or 128
};

/// The four tensor maps of a wgmma_tma launch, in the layout wgmma_tma.cuh
/// reads (every box and swizzle here is its stage layout):
///  - x_map: `rows` x K activations, boxes of block_m rows x 64 channels
///    (block_k / 64 of them per step), 128-byte swizzle (what wgmma's
///    descriptor expects); rows past `rows` read as zeros;
///  - qweight_map: K/8 x N words, boxes of block_k / 8 word rows x block_n;
///  - scales_map: groups x N, boxes of one row x block_n;
///  - qzeros_map: groups x N/8 words, boxes of one row x block_n/8.
/// An error naming `kernel` where a pointer is not 16-byte aligned or the
/// driver refuses a map.
Status encodeQmmTensorMaps(const QmmOperands &operands, int rows,
                           const QmmMapShape &shape, std::string_view kernel,
                           CUtensorMap (&maps)[4]);

/// The argument array of one launch. It holds the pointer values, the row
/// count and the tensor maps its entries point to, so it stays where it is
/// built (no copies) until the launch.
class QmmArgs {
public:
  QmmArgs() = default;
  QmmArgs(const QmmArgs &) = delete;
  QmmArgs &operator=(const QmmArgs &) = delete;

  /// Binds `operands` and `rows` in the order of `params`: an error naming
  /// `kernel` and the role where the kernel takes a pointer that is 0.
  /// Kernels with tensor-map parameters need `maps` (else an error saying
  /// so); their maps are encoded here, on the host, with no allocation.
  Status bind(const QmmParamList &params, const QmmOperands &operands, int rows,
              std::string_view kernel, const QmmMapShape &maps = {});
  void **data() { return args_; }

private:
  CUtensorMap maps_[4] = {};
  CUdeviceptr pointers_[kMaxQmmParams] = {};
  int rows_ = 0;
  void *args_[kMaxQmmParams] = {};
};

/// The grid of a tile kernel for `rows` rows of an N-column output: (N /
/// blockN, ceil(rows / blockM), splitK), splitK being the z extent of a
/// split-K tile's cluster.
Dim3 qmmGrid(int64_t outFeatures, int64_t rows, unsigned blockN,
             unsigned blockM, unsigned splitK);

/// The L2 window every qmm launch gives its packed weights (launchKernel):
/// streaming, so a weight line, read once per call, is what L2 evicts
/// first, before x, the scales, split-K partial tiles and whatever earlier
/// kernels left dirty. The first `maxWindowBytes` (DeviceInfo::
/// maxAccessPolicyWindowBytes, 128 MiB on the H100) of larger weights; no
/// window where the device has none. Measured on the H100 (2026-11-27,
/// every qmm-bench kernel of M = 1, 16, 64 and 256 with and without it,
/// L2 flushed, medians of 25, two rounds): the split 16-row pipelined
/// tiles 2-10% faster (7B.gate-up 28.8 -> 25.8 us, 70B.qkv 28.0 -> 26.2,
/// 7B.down 20.2 -> 19.6, 7B.qkv 20.1 -> 19.8), 7B.gate-up M = 64 40.4 ->
/// 39.6, every other kernel within 0.5 us either way.
StreamingWindow qmmWeightWindow(CUdeviceptr qweight, int64_t inFeatures,
                                int64_t outFeatures, int bits,
                                size_t maxWindowBytes);

} // namespace gptq::rt

#endif // GPTQ_RUNTIME_QMMLAUNCH_H
