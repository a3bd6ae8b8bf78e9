//===- LayerForwardTest.cpp - The per-layer CPU forward and its hooks -----===//
//
// gptq-quantize builds each layer's Hessians from the hooks of
// cpuDecoderLayer and pushes the calibration samples through it layer by
// layer, so it must compute exactly what the whole-model reference forward
// computes, on several sequences at once, and report each linear input
// with the right shape; an early stop must leave the states untouched.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/LayerForward.h"
#include "gptq/Model/CpuForward.h"
#include "gptq/Model/Perplexity.h"

#include <gtest/gtest.h>

#include <map>

namespace gptq::model {
namespace {

const std::string kModelDir =
    std::string(GPTQ_TESTDATA_DIR) + "/tiny-llama-bytes";

TEST(LayerForward, LayerByLayerMatchesWholeModelPerSequence) {
  Expected<ModelWeights> model = loadModel(kModelDir);
  ASSERT_TRUE(model.ok()) << model.message();
  const ModelConfig &c = model->config;
  const int64_t T = 24, sequences = 2;
  const std::vector<int32_t> tokens = byteTokens("def main(argv):\n    retu"
                                                 "import os\nprint(os.path)");
  ASSERT_EQ(int64_t(tokens.size()), sequences * T);

  Expected<std::vector<float>> x = cpuEmbed(*model, tokens, sequences, T);
  ASSERT_TRUE(x.ok()) << x.message();
  std::map<LinearInput, int64_t> captured;
  CpuLayerHooks hooks;
  hooks.capture = [&](LinearInput input, const float *, int64_t seqs,
                      int64_t length) {
    EXPECT_EQ(seqs, sequences);
    EXPECT_EQ(length, T);
    ++captured[input];
    return Status::success();
  };
  for (const LayerWeights &layer : model->layers)
    ASSERT_TRUE(cpuDecoderLayer(layer, c, *x, sequences, T, 2, hooks).ok());
  EXPECT_EQ(captured.size(), size_t(kNumLinearInputs));
  for (auto &[input, count] : captured)
    EXPECT_EQ(count, c.numLayers);
  cpuFinalNorm(*model, *x, sequences * T);
  std::vector<float> logits(sequences * T * c.vocabSize);
  cpuLinear(x->data(), sequences * T, model->lmHead, logits.data(), 2);

  CpuForward forward(*model, 2);
  for (int64_t s = 0; s < sequences; ++s) {
    Expected<std::vector<float>> single = forward.logits(std::vector<int32_t>(
        tokens.begin() + s * T, tokens.begin() + (s + 1) * T));
    ASSERT_TRUE(single.ok()) << single.message();
    for (int64_t i = 0; i < T * c.vocabSize; ++i)
      ASSERT_EQ((*single)[i], logits[s * T * c.vocabSize + i])
          << "sequence " << s << " entry " << i;
  }
}

TEST(LayerForward, StopAfterLeavesStatesAndReportsInputSizes) {
  Expected<ModelWeights> model = loadModel(kModelDir);
  ASSERT_TRUE(model.ok()) << model.message();
  const ModelConfig &c = model->config;
  const int64_t T = 8;
  Expected<std::vector<float>> x =
      cpuEmbed(*model, byteTokens("abcdefgh"), 1, T);
  ASSERT_TRUE(x.ok());
  const std::vector<float> before = *x;
  std::vector<LinearInput> seen;
  CpuLayerHooks hooks;
  hooks.stopAfter = LinearInput::MlpInput;
  hooks.capture = [&](LinearInput input, const float *, int64_t, int64_t) {
    seen.push_back(input);
    return Status::success();
  };
  ASSERT_TRUE(cpuDecoderLayer(model->layers[0], c, *x, 1, T, 1, hooks).ok());
  EXPECT_EQ(*x, before);
  EXPECT_EQ(seen, (std::vector<LinearInput>{LinearInput::Attention,
                                            LinearInput::AttentionOutput,
                                            LinearInput::MlpInput}));
  // The linears reading each input have that input's size as in_features.
  LayerWeights &layer = model->layers[0];
  const int64_t sizes[] = {c.hiddenSize, c.qDim(), c.hiddenSize,
                           c.intermediateSize};
  for (LinearInput input : kAllLinearInputs)
    for (auto &[name, linear] : linearsReading(layer, c, input))
      EXPECT_EQ(linear->in, sizes[int(input)]) << name;
  EXPECT_EQ(linearsReading(layer, c, LinearInput::Attention).size(), 3u);
}

} // namespace
} // namespace gptq::model
