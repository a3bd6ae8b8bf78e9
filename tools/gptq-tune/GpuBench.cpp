//===- GpuBench.cpp - timing candidate kernels on the present GPU ---------===//

#include "GpuBench.h"

#include "gptq/Support/Half.h"
#include "gptq/Support/XorShift.h"

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace gptq::tune {

static Status checkCuda(cudaError_t error, const char *call) {
  if (error == cudaSuccess)
    return Status::success();
  return Status::error(fmt::format("{}: {}", call, cudaGetErrorString(error)));
}

#define GPTQ_CUDA(call) GPTQ_RETURN_IF_ERROR(checkCuda((call), #call))

using Random = gptq::XorShift64Star;

template <typename T>
static Expected<rt::DeviceBuffer> upload(const std::vector<T> &host) {
  auto buffer =
      rt::DeviceBuffer::create(std::max<size_t>(1, host.size()) * sizeof(T));
  if (!buffer)
    return buffer.status();
  GPTQ_RETURN_IF_ERROR(
      buffer->copyFromHost(host.data(), host.size() * sizeof(T)));
  return buffer.take();
}

Expected<std::unique_ptr<GpuBench>> GpuBench::create(int repetitions,
                                                     size_t maxWindowBytes) {
  std::unique_ptr<GpuBench> bench(new GpuBench());
  bench->repetitions_ = repetitions;
  bench->maxWindowBytes_ = maxWindowBytes;
  GPTQ_CUDA(cudaSetDevice(0));
  int l2Bytes = 0;
  GPTQ_CUDA(cudaDeviceGetAttribute(&l2Bytes, cudaDevAttrL2CacheSize, 0));
  // Writing four times the L2 (at least 256 MiB) evicts every line the
  // previous repetition left, so each one reads the weights from memory as
  // a real forward pass does.
  bench->flushBytes_ =
      std::max<size_t>(size_t(256) << 20, size_t(4) * size_t(l2Bytes));
  GPTQ_CUDA(cudaMalloc(&bench->flush_, bench->flushBytes_));
  cudaEvent_t start, stop;
  GPTQ_CUDA(cudaEventCreate(&start));
  bench->start_ = start;
  GPTQ_CUDA(cudaEventCreate(&stop));
  bench->stop_ = stop;
  return bench;
}

GpuBench::~GpuBench() {
  if (flush_)
    cudaFree(flush_);
  if (start_)
    cudaEventDestroy(static_cast<cudaEvent_t>(start_));
  if (stop_)
    cudaEventDestroy(static_cast<cudaEvent_t>(stop_));
}

Status GpuBench::setWeights(const autotune::LayoutKey &layout,
                            int64_t inFeatures, int64_t outFeatures,
                            uint64_t seed) {
  Random random{seed | 1};
  const int64_t K = inFeatures, N = outFeatures;
  const int64_t groupSize = layout.groupSize == -1 ? K : layout.groupSize;
  const int64_t groups = K / groupSize;
  bf16_ = layout.dtype == "bf16";
  bits_ = layout.bits;
  inFeatures_ = K;
  outFeatures_ = N;
  groupSize_ = groupSize;
  // Every bit pattern is a valid code or zero point, so random words are
  // random weights.
  std::vector<uint32_t> qweight(size_t(K * layout.bits / 32 * N));
  for (uint32_t &word : qweight)
    word = uint32_t(random.next());
  std::vector<uint32_t> qzeros(size_t(groups * N * layout.bits / 32));
  for (uint32_t &word : qzeros)
    word = uint32_t(random.next());
  std::vector<uint16_t> scales(size_t(groups * N));
  for (uint16_t &scale : scales) {
    const float value = 0.001f + 0.01f * random.uniform();
    scale = bf16_ ? floatToBf16(value) : floatToHalf(value);
  }
  // Act-order: each group keeps its size but its channels are scattered,
  // as in a checkpoint quantized in Hessian order.
  std::vector<int32_t> gIdx(static_cast<size_t>(K));
  std::vector<int32_t> order(static_cast<size_t>(K));
  std::iota(order.begin(), order.end(), 0);
  if (layout.actOrder)
    for (int64_t i = K - 1; i > 0; --i)
      std::swap(order[i], order[random.next() % uint64_t(i + 1)]);
  for (int64_t k = 0; k < K; ++k)
    gIdx[order[k]] = int32_t(k / groupSize);

  auto qweightBuffer = upload(qweight);
  auto qzerosBuffer = upload(qzeros);
  auto scalesBuffer = upload(scales);
  auto gIdxBuffer = upload(gIdx);
  for (const Status *status : {&qweightBuffer.status(), &qzerosBuffer.status(),
                               &scalesBuffer.status(), &gIdxBuffer.status()})
    if (!status->ok())
      return *status;
  qweight_ = qweightBuffer.take();
  qzeros_ = qzerosBuffer.take();
  scales_ = scalesBuffer.take();
  gIdx_ = gIdxBuffer.take();
  return Status::success();
}

Status GpuBench::setRows(int64_t rows, uint64_t seed) {
  Random random{seed | 1};
  rows_ = rows;
  std::vector<uint16_t> x(size_t(rows * inFeatures_));
  for (uint16_t &value : x) {
    const float v = 2.0f * random.uniform() - 1.0f;
    value = bf16_ ? floatToBf16(v) : floatToHalf(v);
  }
  auto xBuffer = upload(x);
  if (!xBuffer)
    return xBuffer.status();
  x_ = xBuffer.take();
  auto yBuffer = rt::DeviceBuffer::create(size_t(rows * outFeatures_) * 2);
  if (!yBuffer)
    return yBuffer.status();
  y_ = yBuffer.take();
  return Status::success();
}

Status GpuBench::launch(const KernelLaunch &kernel) {
  // x, qweight, qzeros, scales, g_idx, bias (none), y.
  const rt::QmmOperands operands{x_.ptr(),      qweight_.ptr(), qzeros_.ptr(),
                                 scales_.ptr(), gIdx_.ptr(),    0,
                                 y_.ptr()};
  const autotune::TileConfig &tile = kernel.tile;
  const rt::QmmMapShape maps{inFeatures_, outFeatures_, groupSize_, tile.blockM,
                             tile.blockN, bf16_,        tile.blockK};
  rt::QmmArgs args;
  GPTQ_RETURN_IF_ERROR(args.bind(kernel.params, operands, int(rows_),
                                 kernel.function.name, maps));
  const rt::Dim3 grid =
      rt::qmmGrid(outFeatures_, rows_, unsigned(tile.blockN),
                  unsigned(tile.blockM), unsigned(tile.splitK));
  rt::Dim3 block{unsigned(32 * tile.warps), 1, 1};
  return rt::launch(kernel.function, grid, block, kernel.dynamicSharedBytes,
                    nullptr, args.data(), /*overlapPrevious=*/false,
                    rt::qmmWeightWindow(qweight_.ptr(), inFeatures_,
                                        outFeatures_, bits_, maxWindowBytes_));
}

Expected<std::vector<uint16_t>> GpuBench::runOnce(const KernelLaunch &kernel) {
  GPTQ_RETURN_IF_ERROR(y_.fillBytes(0xff));
  GPTQ_RETURN_IF_ERROR(launch(kernel));
  GPTQ_RETURN_IF_ERROR(rt::synchronize());
  std::vector<uint16_t> output(size_t(rows_ * outFeatures_));
  GPTQ_RETURN_IF_ERROR(y_.copyToHost(output.data(), output.size() * 2));
  return output;
}

Expected<double> GpuBench::medianUs(const KernelLaunch &kernel,
                                    double giveUpUs) {
  auto start = static_cast<cudaEvent_t>(start_);
  auto stop = static_cast<cudaEvent_t>(stop_);
  for (int i = 0; i < 3; ++i)
    GPTQ_RETURN_IF_ERROR(launch(kernel));
  std::vector<double> times;
  for (int i = 0; i < repetitions_; ++i) {
    GPTQ_CUDA(cudaMemsetAsync(flush_, i & 0xff, flushBytes_));
    GPTQ_CUDA(cudaEventRecord(start));
    GPTQ_RETURN_IF_ERROR(launch(kernel));
    GPTQ_CUDA(cudaEventRecord(stop));
    GPTQ_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    GPTQ_CUDA(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms * 1000.0);
    if (i == 0 && giveUpUs > 0 && times[0] > giveUpUs)
      return times[0];
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

double relativeError(const std::vector<uint16_t> &a,
                     const std::vector<uint16_t> &b, bool bf16) {
  if (a.size() != b.size())
    return std::numeric_limits<double>::infinity();
  double errorSquared = 0, referenceSquared = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double va = bf16 ? bf16ToFloat(a[i]) : halfToFloat(a[i]);
    const double vb = bf16 ? bf16ToFloat(b[i]) : halfToFloat(b[i]);
    if (!std::isfinite(va) || !std::isfinite(vb))
      return std::numeric_limits<double>::infinity();
    errorSquared += (va - vb) * (va - vb);
    referenceSquared += vb * vb;
  }
  return referenceSquared > 0 ? std::sqrt(errorSquared / referenceSquared)
                              : std::sqrt(errorSquared);
}

} // namespace gptq::tune
