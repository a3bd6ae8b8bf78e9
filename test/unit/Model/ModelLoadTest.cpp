//===- ModelLoadTest.cpp - loading synthetic checkpoints ------------------===//
//
// Small LLaMA checkpoints written here with random weights: dense loading
// (transposition, dtypes, tied embeddings), GPTQ linears (dequantized once,
// giving the same logits as the equivalent dense model), and the errors for
// missing and mis-shaped tensors.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Packing.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Model/CpuForward.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>

using namespace gptq;
using namespace gptq::model;

namespace {

constexpr int64_t V = 32, H = 64, I = 128, L = 2, Heads = 4, KvHeads = 2;

std::string configJson(const std::string &extra = "") {
  return std::string(
             R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 32,
    "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
    "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"})") +
         extra + "}";
}

/// name -> (shape, values) of a random dense LLaMA of the sizes above.
using Tensors =
    std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>;

Tensors randomLlama(uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  Tensors tensors;
  auto add = [&](const std::string &name, std::vector<int64_t> shape,
                 float offset = 0.0f) {
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    std::vector<float> values(count);
    for (float &v : values)
      v = halfToFloat(floatToHalf(offset + normal(rng)));
    tensors[name] = {shape, values};
  };
  add("model.embed_tokens.weight", {V, H});
  add("model.norm.weight", {H}, 1.0f);
  add("lm_head.weight", {V, H});
  for (int l = 0; l < L; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {H}, 1.0f);
    add(p + "post_attention_layernorm.weight", {H}, 1.0f);
    add(p + "self_attn.q_proj.weight", {Heads * 16, H});
    add(p + "self_attn.k_proj.weight", {KvHeads * 16, H});
    add(p + "self_attn.v_proj.weight", {KvHeads * 16, H});
    add(p + "self_attn.o_proj.weight", {H, Heads * 16});
    add(p + "mlp.gate_proj.weight", {I, H});
    add(p + "mlp.up_proj.weight", {I, H});
    add(p + "mlp.down_proj.weight", {H, I});
  }
  return tensors;
}

class ModelLoadTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gptq-model-load-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void
  write(const Tensors &tensors, const std::string &config, bool bf16 = false,
        const std::function<void(format::SafetensorsWriter &)> &more = {}) {
    std::ofstream(dir_ / "config.json") << config;
    format::SafetensorsWriter writer;
    for (const auto &[name, entry] : tensors) {
      Status status = bf16 ? writer.addBFloat16(name, entry.first, entry.second)
                           : writer.addFloat16(name, entry.first, entry.second);
      ASSERT_TRUE(status.ok()) << status.message();
    }
    if (more)
      more(writer);
    ASSERT_TRUE(writer.write((dir_ / "model.safetensors").string()).ok());
  }
  std::string dir() const { return dir_.string(); }

  std::filesystem::path dir_;
};

TEST_F(ModelLoadTest, LoadsDenseWeightsTransposed) {
  Tensors tensors = randomLlama(1);
  write(tensors, configJson());
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_TRUE(model.ok()) << model.message();
  ASSERT_EQ(model->layers.size(), 2u);
  const Linear &up = model->layers[1].up;
  EXPECT_EQ(up.in, H);
  EXPECT_EQ(up.out, I);
  const std::vector<float> &source =
      tensors["model.layers.1.mlp.up_proj.weight"].second; // [I][H]
  for (int64_t o : {0L, 5L, I - 1})
    for (int64_t i : {0L, 7L, H - 1})
      EXPECT_EQ(up.weight[i * I + o], source[o * H + i]);
  EXPECT_EQ(model->embedTokens, tensors["model.embed_tokens.weight"].second);
  EXPECT_EQ(model->layers[0].k.out, KvHeads * 16);
  EXPECT_FALSE(up.quantized.has_value());
}

TEST_F(ModelLoadTest, Bf16AndTiedEmbeddings) {
  Tensors tensors = randomLlama(2);
  tensors.erase("lm_head.weight");
  write(tensors, configJson(R"(, "tie_word_embeddings": true)"), true);
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_TRUE(model.ok()) << model.message();
  const std::vector<float> &embed = tensors["model.embed_tokens.weight"].second;
  // bf16 keeps 8 mantissa bits: values within 2^-8 relative of the fp16 ones.
  EXPECT_NEAR(model->embedTokens[3], embed[3], std::fabs(embed[3]) / 256);
  EXPECT_EQ(model->lmHead.weight[2 * V + 9], model->embedTokens[9 * H + 2]);
}

TEST_F(ModelLoadTest, MissingTensorIsNamed) {
  Tensors tensors = randomLlama(3);
  tensors.erase("model.layers.1.mlp.up_proj.weight");
  write(tensors, configJson());
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find(
                "missing tensor 'model.layers.1.mlp.up_proj.weight'"),
            std::string::npos)
      << model.message();
  EXPECT_NE(model.message().find("model.safetensors"), std::string::npos);
}

TEST_F(ModelLoadTest, MisShapedTensorIsNamed) {
  Tensors tensors = randomLlama(4);
  tensors["model.layers.0.mlp.down_proj.weight"] = {
      {H, I - 1}, std::vector<float>(H * (I - 1), 0.5f)};
  write(tensors, configJson());
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find("model.safetensors: tensor "
                                 "'model.layers.0.mlp.down_proj.weight' has "
                                 "shape [64, 127], expected [64, 128]"),
            std::string::npos)
      << model.message();
}

TEST_F(ModelLoadTest, UnknownArchitectureNamesTheFile) {
  write(randomLlama(5), R"({"architectures": ["FalconForCausalLM"]})");
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find("config.json: architecture "
                                 "'FalconForCausalLM' is not supported"),
            std::string::npos)
      << model.message();
}

/// Replaces layer 0's up_proj by a random 4-bit group-32 act-order GPTQ
/// linear; returns its dequantized weights [H][I].
std::vector<float> addQuantizedUpProj(format::SafetensorsWriter &writer,
                                      uint32_t seed) {
  std::mt19937 rng(seed);
  format::QuantizedLinear q;
  q.K = H;
  q.N = I;
  q.bits = 4;
  q.groupSize = 32;
  const int64_t groups = q.numGroups();
  std::vector<int32_t> codes(H * I), zeros(groups * I);
  for (int32_t &c : codes)
    c = int32_t(rng() % 16);
  for (int32_t &z : zeros)
    z = int32_t(1 + rng() % 15);
  q.qweight = *format::packWeights(codes, H, I, 4);
  q.qzeros = *format::packZeros(zeros, groups, I, 4, q.format);
  q.scales.resize(groups * I);
  for (float &s : q.scales)
    s = halfToFloat(floatToHalf(0.01f + 0.01f * float(rng() % 100) / 100));
  q.gIdx.resize(H);
  for (int64_t k = 0; k < H; ++k)
    q.gIdx[k] = int32_t((k * 7 + 3) % H / 32); // a permutation's groups
  const std::string p = "model.layers.0.mlp.up_proj.";
  EXPECT_TRUE(writer.addInt32(p + "qweight", {H / 8, I}, q.qweight).ok());
  EXPECT_TRUE(writer.addInt32(p + "qzeros", {groups, I / 8}, q.qzeros).ok());
  EXPECT_TRUE(writer.addFloat16(p + "scales", {groups, I}, q.scales).ok());
  EXPECT_TRUE(writer.addInt32(p + "g_idx", {H}, q.gIdx).ok());
  return *format::dequantize(q);
}

TEST_F(ModelLoadTest, QuantizedLinearMatchesEquivalentDenseModel) {
  Tensors tensors = randomLlama(6);
  tensors.erase("model.layers.0.mlp.up_proj.weight");
  std::vector<float> dequantized;
  write(tensors, configJson(R"(, "quantization_config": {"quant_method": "gptq",
          "bits": 4, "group_size": 32, "desc_act": true, "sym": false})"),
        false, [&](format::SafetensorsWriter &writer) {
          dequantized = addQuantizedUpProj(writer, 7);
        });
  Expected<ModelWeights> quantized = loadModel(dir());
  ASSERT_TRUE(quantized.ok()) << quantized.message();
  const Linear &up = quantized->layers[0].up;
  ASSERT_TRUE(up.quantized.has_value());
  EXPECT_EQ(up.quantized->gIdx.size(), size_t(H)); // act-order keeps g_idx
  EXPECT_EQ(up.weight, dequantized);
  double sumAbs = 0;
  for (float w : up.weight)
    sumAbs += std::fabs(w);
  EXPECT_GT(sumAbs, 1.0);

  // The same model with the dequantized weights stored dense (fp32).
  Tensors dense = tensors;
  std::vector<float> transposed(I * H);
  for (int64_t k = 0; k < H; ++k)
    for (int64_t n = 0; n < I; ++n)
      transposed[n * H + k] = dequantized[k * I + n];
  std::filesystem::remove(dir_ / "model.safetensors");
  write(dense, configJson(), false, [&](format::SafetensorsWriter &writer) {
    EXPECT_TRUE(
        writer
            .addFloat32("model.layers.0.mlp.up_proj.weight", {I, H}, transposed)
            .ok());
  });
  Expected<ModelWeights> reference = loadModel(dir());
  ASSERT_TRUE(reference.ok()) << reference.message();

  const std::vector<int32_t> tokens = {1, 5, 9, 31, 0, 7, 7, 2};
  Expected<std::vector<float>> a = CpuForward(*quantized, 2).logits(tokens);
  Expected<std::vector<float>> b = CpuForward(*reference, 2).logits(tokens);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), size_t(tokens.size() * V));
  EXPECT_EQ(*a, *b);
}

TEST_F(ModelLoadTest, QuantizedTensorWithoutConfigIsAnError) {
  Tensors tensors = randomLlama(8);
  tensors.erase("model.layers.0.mlp.up_proj.weight");
  write(tensors, configJson(), false, [&](format::SafetensorsWriter &writer) {
    addQuantizedUpProj(writer, 9);
  });
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find("'model.layers.0.mlp.up_proj.qweight' is "
                                 "GPTQ-quantized but the model has no "
                                 "quantization_config"),
            std::string::npos)
      << model.message();
}

TEST_F(ModelLoadTest, MisShapedScalesAreNamed) {
  Tensors tensors = randomLlama(10);
  tensors.erase("model.layers.0.mlp.up_proj.weight");
  // Config says group 64, the tensors were written for group 32.
  write(tensors, configJson(R"(, "quantization_config": {"quant_method": "gptq",
          "bits": 4, "group_size": 64, "desc_act": true})"),
        false, [&](format::SafetensorsWriter &writer) {
          addQuantizedUpProj(writer, 11);
        });
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find("'model.layers.0.mlp.up_proj.qzeros' has "
                                 "shape [2, 16], expected [1, 16]"),
            std::string::npos)
      << model.message();
}

TEST_F(ModelLoadTest, CausalForwardIgnoresLaterTokens) {
  write(randomLlama(12), configJson());
  Expected<ModelWeights> model = loadModel(dir());
  ASSERT_TRUE(model.ok()) << model.message();
  CpuForward forward(*model, 2);
  Expected<std::vector<float>> full = forward.logits({3, 1, 4, 1, 5, 9});
  Expected<std::vector<float>> prefix = forward.logits({3, 1, 4});
  ASSERT_TRUE(full.ok() && prefix.ok());
  for (int64_t i = 0; i < 3 * V; ++i)
    EXPECT_NEAR((*full)[i], (*prefix)[i], 1e-5f) << i;
  // A different later token changes nothing before it, but changes its row.
  Expected<std::vector<float>> other = forward.logits({3, 1, 4, 1, 5, 8});
  EXPECT_EQ(std::vector<float>(full->begin(), full->begin() + 5 * V),
            std::vector<float>(other->begin(), other->begin() + 5 * V));
  Expected<std::vector<float>> bad = forward.logits({3, 32});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("token 32 at position 1"), std::string::npos);
}

} // namespace
