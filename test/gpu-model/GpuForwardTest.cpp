//===- GpuForwardTest.cpp - fp16 GPU forward against the CPU reference ---===//
//
// On tiny-llama-bytes: full-window logits and perplexity against the fp32
// CPU forward, KV-cache decoding against a full prefill, batching, and GPTQ
// linears (round-to-nearest 4-bit, with and without act-order) running on
// the generated qmm kernels. Without a GPU every test skips.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/GpuForward.h"
#include "GpuTestSupport.h"
#include "gptq/Format/Packing.h"
#include "gptq/Model/CpuForward.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Model/Perplexity.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace gptq;
using namespace gptq::model;

namespace {

const std::string kModelDir =
    std::string(GPTQ_TESTDATA_DIR) + "/tiny-llama-bytes";

using test::relativeError;

class GpuForwardTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string whyNot;
    if (!gpuAvailable(&whyNot))
      GTEST_SKIP() << "No CUDA device: " << whyNot;
    Expected<ModelWeights> model = loadModel(kModelDir);
    ASSERT_TRUE(model.ok()) << model.message();
    weights_ = model.take();
    Expected<std::string> text = readTextFile(kModelDir + "/heldout.txt");
    ASSERT_TRUE(text.ok()) << text.message();
    tokens_ = byteTokens(*text);
  }

  std::unique_ptr<GpuForward> makeGpu(const ModelWeights &weights,
                                      int64_t batch, int64_t length,
                                      bool denseLargeBatches = true,
                                      bool joinProjections = true) {
    GpuOptions options;
    options.maxBatch = batch;
    options.maxSequence = length;
    options.allowDequantizedFallback = false;
    options.denseLargeBatches = denseLargeBatches;
    options.joinProjections = joinProjections;
    Expected<std::unique_ptr<GpuForward>> gpu =
        GpuForward::create(weights, options);
    EXPECT_TRUE(gpu.ok()) << gpu.message();
    return gpu.ok() ? gpu.take() : nullptr;
  }

  ModelWeights weights_;
  std::vector<int32_t> tokens_;
};

TEST_F(GpuForwardTest, WindowLogitsMatchCpu) {
  auto gpu = makeGpu(weights_, 1, 512);
  ASSERT_TRUE(gpu);
  std::vector<int32_t> window(tokens_.begin(), tokens_.begin() + 512);
  Expected<std::vector<float>> gpuLogits = gpu->prefill(window, 1, 512, true);
  ASSERT_TRUE(gpuLogits.ok()) << gpuLogits.message();
  Expected<std::vector<float>> cpuLogits = CpuForward(weights_).logits(window);
  ASSERT_TRUE(cpuLogits.ok()) << cpuLogits.message();
  const double error =
      relativeError(gpuLogits->data(), cpuLogits->data(), cpuLogits->size());
  std::printf("fp16 GPU vs fp32 CPU logits: relative error %.3e\n", error);
  EXPECT_LT(error, 1e-2);
  EXPECT_GT(error, 0.0); // fp16 activations cannot be bit-identical to fp32
}

TEST_F(GpuForwardTest, PerplexityOfFirstWindowsMatchesCpu) {
  auto gpu = makeGpu(weights_, 4, 512);
  ASSERT_TRUE(gpu);
  auto forward = [&](const std::vector<int32_t> &chunk, int64_t count,
                     int64_t T) { return gpu->prefill(chunk, count, T, true); };
  Expected<PerplexityResult> result =
      windowedPerplexity(tokens_, 512, 4, 256, 4, forward);
  ASSERT_TRUE(result.ok()) << result.message();
  std::printf("GPU perplexity of the first 4 windows: %.6f\n",
              result->perplexity);
  // The CPU reference's value (test/unit/Model/TinyLlamaTest.cpp, where its
  // provenance is recorded); an H100 gave 2.768627.
  EXPECT_NEAR(result->perplexity, 2.768548, 2.768548 * 0.005);
}

TEST_F(GpuForwardTest, KvCacheDecodeMatchesPrefill) {
  const int64_t prompt = 100, steps = 24;
  auto gpu = makeGpu(weights_, 2, prompt + steps);
  ASSERT_TRUE(gpu);
  // Two different sequences decoded together.
  std::vector<int32_t> both(tokens_.begin(), tokens_.begin() + prompt);
  both.insert(both.end(), tokens_.begin() + 5000,
              tokens_.begin() + 5000 + prompt);
  Expected<std::vector<float>> last = gpu->prefill(both, 2, prompt, false);
  ASSERT_TRUE(last.ok()) << last.message();
  std::vector<float> stepped;
  for (int64_t s = 0; s < steps; ++s) {
    Expected<std::vector<float>> logits =
        gpu->decode({tokens_[prompt + s], tokens_[5000 + prompt + s]});
    ASSERT_TRUE(logits.ok()) << logits.message();
    stepped.insert(stepped.end(), logits->begin(), logits->end());
  }
  // Reference: each sequence prefilled in full, one at a time.
  auto full = makeGpu(weights_, 1, prompt + steps);
  ASSERT_TRUE(full);
  for (int b = 0; b < 2; ++b) {
    const int64_t offset = b == 0 ? 0 : 5000;
    std::vector<int32_t> sequence(tokens_.begin() + offset,
                                  tokens_.begin() + offset + prompt + steps);
    Expected<std::vector<float>> all =
        full->prefill(sequence, 1, prompt + steps, true);
    ASSERT_TRUE(all.ok()) << all.message();
    for (int64_t s = 0; s < steps; ++s) {
      const float *expected = all->data() + (prompt + s) * 256;
      const float *actual = stepped.data() + (s * 2 + b) * 256;
      EXPECT_LT(relativeError(actual, expected, 256), 1e-2)
          << "sequence " << b << " step " << s;
    }
  }
}

/// Round-to-nearest GPTQ of a dense linear (asymmetric, v1-storable zero
/// points 1..maxq); with act-order, input channels are assigned to groups
/// through a random permutation.
format::QuantizedLinear
quantizeRtn(const Linear &linear, int bits, int64_t group, bool actOrder,
            std::mt19937 &rng, const std::vector<int32_t> *given = nullptr) {
  format::QuantizedLinear q;
  q.K = linear.in;
  q.N = linear.out;
  q.bits = bits;
  q.groupSize = group;
  const int maxq = (1 << bits) - 1;
  const int64_t groups = q.numGroups();
  std::vector<int32_t> order(q.K);
  std::iota(order.begin(), order.end(), 0);
  if (actOrder) {
    if (given)
      order = *given;
    else
      std::shuffle(order.begin(), order.end(), rng);
    q.gIdx.resize(q.K);
    for (int64_t i = 0; i < q.K; ++i)
      q.gIdx[order[i]] = int32_t(i / group);
  }
  std::vector<int32_t> codes(q.K * q.N), zeros(groups * q.N);
  q.scales.resize(groups * q.N);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t n = 0; n < q.N; ++n) {
      float lo = 0.0f, hi = 0.0f;
      for (int64_t i = g * group; i < (g + 1) * group; ++i) {
        const float w = linear.weight[order[i] * q.N + n];
        lo = std::min(lo, w);
        hi = std::max(hi, w);
      }
      const float scale = std::max(hi - lo, 1e-6f) / float(maxq);
      const int zero = std::clamp(int(std::lround(-lo / scale)), 1, maxq);
      q.scales[g * q.N + n] = halfToFloat(floatToHalf(scale));
      zeros[g * q.N + n] = zero;
      for (int64_t i = g * group; i < (g + 1) * group; ++i) {
        const float w = linear.weight[order[i] * q.N + n];
        codes[order[i] * q.N + n] = std::clamp(
            int(std::lround(w / q.scales[g * q.N + n])) + zero, 0, maxq);
      }
    }
  q.qweight = *format::packWeights(codes, q.K, q.N, bits);
  q.qzeros = *format::packZeros(zeros, groups, q.N, bits, q.format);
  return q;
}

/// `weights` with every linear 4-bit g128 RTN-quantized (and its dense
/// weight replaced by the dequantized one, for the CPU reference). With
/// act-order and `sharePermutations`, q, k, v take one random channel order
/// per layer and gate, up another, as GPTQ's one Hessian per input gives
/// them; otherwise each linear draws its own.
ModelWeights quantizeModelRtn(const ModelWeights &weights, bool actOrder,
                              bool sharePermutations, uint32_t seed) {
  ModelWeights quantized = weights;
  std::mt19937 rng(seed);
  for (LayerWeights &layer : quantized.layers) {
    const int64_t H = quantized.config.hiddenSize;
    std::vector<int32_t> attentionOrder(H), mlpOrder(H);
    std::iota(attentionOrder.begin(), attentionOrder.end(), 0);
    std::iota(mlpOrder.begin(), mlpOrder.end(), 0);
    std::shuffle(attentionOrder.begin(), attentionOrder.end(), rng);
    std::shuffle(mlpOrder.begin(), mlpOrder.end(), rng);
    for (auto &[name, linear] : layerLinears(layer, quantized.config)) {
      const std::vector<int32_t> *given = nullptr;
      if (sharePermutations) {
        if (linear == &layer.q || linear == &layer.k || linear == &layer.v)
          given = &attentionOrder;
        if (linear == &layer.gate || linear == &layer.up)
          given = &mlpOrder;
      }
      linear->quantized = quantizeRtn(*linear, 4, 128, actOrder, rng, given);
      linear->weight = *format::dequantize(*linear->quantized);
    }
  }
  return quantized;
}

TEST_F(GpuForwardTest, QuantizedLinearsRunOnGeneratedKernels) {
  // Act-order with a permutation per linear, and shared as in GPTQ
  // checkpoints (q, k, v one; gate, up another): the forward gathers once
  // per shared input.
  enum class Mode { Plain, ActOrder, SharedActOrder };
  for (Mode mode : {Mode::Plain, Mode::ActOrder, Mode::SharedActOrder}) {
    const bool actOrder = mode != Mode::Plain;
    SCOPED_TRACE(mode == Mode::Plain      ? "no act-order"
                 : mode == Mode::ActOrder ? "act-order"
                                          : "act-order, shared permutations");
    const ModelWeights quantized =
        quantizeModelRtn(weights_, actOrder, mode == Mode::SharedActOrder, 42);
    // The 512-row prefill runs dequantize + cuBLAS by default, the
    // generated tiles without it; both against the CPU. Not on sm_90a
    // without act-order: its TMA tiles keep 512 rows (rt::kDenseRowsTma;
    // QmmJitGpuTest runs those layouts' dense path at 2048 rows).
    auto context = rt::CudaContext::create(0);
    ASSERT_TRUE(context.ok()) << context.message();
    const bool tmaTiles = (*context)->info().arch() == "sm_90a" && !actOrder;
    // q, k, v and gate, up are joined where they agree per input channel:
    // not with a permutation of their own (Mode::ActOrder).
    for (bool join : {true, false})
      for (bool dense : {true, false}) {
        SCOPED_TRACE(::testing::Message()
                     << (dense ? "dense prefill" : "tiles prefill")
                     << (join ? ", joined projections" : ", separate linears"));
        auto gpu =
            makeGpu(quantized, 1, 512, dense, join); // no fallback allowed
        ASSERT_TRUE(gpu);
        std::printf("%s\n", gpu->kernelSummary().c_str());
        EXPECT_EQ(gpu->kernelSummary().find("dequantize + cuBLAS") !=
                      std::string::npos,
                  dense && !tmaTiles);
        const bool joined = join && mode != Mode::ActOrder;
        // 4 layers of 7 linears, or of qkv, o, gate-up and down.
        EXPECT_NE(gpu->kernelSummary().find(joined ? "16 qmm" : "28 qmm"),
                  std::string::npos);
        EXPECT_EQ(gpu->kernelSummary().find(
                      "joined: q, k, v in 4 layers, gate and up in 4") !=
                      std::string::npos,
                  joined);
        // 4 layers x 7 linears gather one by one, except o and down, whose
        // inputs the attention and the SiLU product write gathered; shared,
        // the norms also write q's (for q, k, v) and up's (for up, gate), or
        // the joined linears': no gather kernel runs.
        const std::string fusedText =
            " act-order inputs written gathered by the norm, attention or "
            "SiLU product";
        if (mode == Mode::ActOrder) {
          EXPECT_NE(gpu->kernelSummary().find("; 20 act-order input gathers"),
                    std::string::npos);
          EXPECT_NE(gpu->kernelSummary().find("; 8" + fusedText),
                    std::string::npos);
        }
        if (mode == Mode::SharedActOrder) {
          EXPECT_EQ(gpu->kernelSummary().find("act-order input gathers"),
                    std::string::npos);
          EXPECT_NE(gpu->kernelSummary().find("; 16" + fusedText),
                    std::string::npos);
        }
        std::vector<int32_t> window(tokens_.begin() + 512,
                                    tokens_.begin() + 1024);
        Expected<std::vector<float>> gpuLogits =
            gpu->prefill(window, 1, 512, true);
        ASSERT_TRUE(gpuLogits.ok()) << gpuLogits.message();
        Expected<std::vector<float>> cpuLogits =
            CpuForward(quantized).logits(window);
        ASSERT_TRUE(cpuLogits.ok());
        const double error = relativeError(gpuLogits->data(), cpuLogits->data(),
                                           cpuLogits->size());
        std::printf("4-bit RTN model, %s GPU vs CPU logits: relative error "
                    "%.3e\n",
                    dense && !tmaTiles ? "dense-prefill" : "qmm", error);
        EXPECT_LT(error, 1e-2);
      }
  }
}

TEST_F(GpuForwardTest, JoinedProjectionsDecodeLikeTheCpu) {
  // 4-bit RTN, plain and with the act-order permutation shared as GPTQ
  // shares it (q, k, v; gate, up), so both get joined: KV-cache decoding
  // of two sequences reads q, k and v as column ranges of one output and
  // the SiLU product its gate and up ranges (gathered for down with
  // act-order). Each step against the CPU's full-window logits.
  for (bool actOrder : {false, true}) {
    SCOPED_TRACE(actOrder ? "shared act-order" : "no act-order");
    const ModelWeights quantized =
        quantizeModelRtn(weights_, actOrder, /*sharePermutations=*/true, 7);
    const int64_t prompt = 48, steps = 8;
    auto gpu = makeGpu(quantized, 2, prompt + steps);
    ASSERT_TRUE(gpu);
    ASSERT_NE(gpu->kernelSummary().find(
                  "joined: q, k, v in 4 layers, gate and up in 4"),
              std::string::npos)
        << gpu->kernelSummary();
    std::vector<int32_t> both(tokens_.begin(), tokens_.begin() + prompt);
    both.insert(both.end(), tokens_.begin() + 3000,
                tokens_.begin() + 3000 + prompt);
    ASSERT_TRUE(gpu->prefill(both, 2, prompt, false).ok());
    std::vector<std::vector<float>> stepped;
    for (int64_t s = 0; s < steps; ++s) {
      Expected<std::vector<float>> logits =
          gpu->decode({tokens_[prompt + s], tokens_[3000 + prompt + s]});
      ASSERT_TRUE(logits.ok()) << logits.message();
      stepped.push_back(logits.take());
    }
    for (int b = 0; b < 2; ++b) {
      const int64_t offset = b == 0 ? 0 : 3000;
      std::vector<int32_t> sequence(tokens_.begin() + offset,
                                    tokens_.begin() + offset + prompt + steps);
      Expected<std::vector<float>> cpu = CpuForward(quantized).logits(sequence);
      ASSERT_TRUE(cpu.ok()) << cpu.message();
      for (int64_t s = 0; s < steps; ++s) {
        const double error = relativeError(
            stepped[s].data() + b * 256, cpu->data() + (prompt + s) * 256, 256);
        EXPECT_LT(error, 1e-2) << "sequence " << b << " step " << s;
        if (s == steps - 1)
          std::printf("joined projections, %s, sequence %d, decode step %lld "
                      "against the CPU: relative error %.3e\n",
                      actOrder ? "act-order" : "plain", b, (long long)s, error);
      }
    }
  }
}

TEST_F(GpuForwardTest, RandomWeightModelRuns) {
  for (int bits : {0, 4}) {
    RandomWeightsOptions random;
    random.bits = bits;
    GpuOptions options;
    options.maxBatch = 3;
    options.maxSequence = 40;
    options.allowDequantizedFallback = false;
    Expected<std::unique_ptr<GpuForward>> gpu =
        GpuForward::createRandom(weights_.config, random, options);
    ASSERT_TRUE(gpu.ok()) << gpu.message();
    std::vector<int32_t> prompt(3 * 32);
    for (size_t i = 0; i < prompt.size(); ++i)
      prompt[i] = int32_t(i * 37 % 256);
    ASSERT_TRUE((*gpu)->prefillNoCopy(prompt, 3, 32).ok());
    Expected<std::vector<float>> logits = (*gpu)->decode({1, 2, 3});
    ASSERT_TRUE(logits.ok()) << logits.message();
    EXPECT_EQ(logits->size(), size_t(3 * 256));
    for (float value : *logits)
      ASSERT_TRUE(std::isfinite(value));
    EXPECT_GT((*gpu)->weightBytesPerStep(), 0);
  }
}

} // namespace
