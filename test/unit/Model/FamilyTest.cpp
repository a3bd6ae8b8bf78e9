//===- FamilyTest.cpp - Qwen2 biases and OPT against hand computations ----===//
//
// The LLaMA path is checked against transformers through the fixture; the
// other families are checked here on synthetic checkpoints: Qwen2's q/k/v
// biases (zero biases must reproduce the bias-free Llama model, non-zero
// ones must matter), and OPT's single-token forward written out by hand
// (with one token, attention returns v, so the whole model is a few
// matrix-vector products): learned positions at offset 2, LayerNorms with
// bias, ReLU MLP, tied lm_head.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Safetensors.h"
#include "gptq/Model/CpuForward.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace gptq;
using namespace gptq::model;

namespace {

using Tensors =
    std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>;

class Checkpoint {
public:
  explicit Checkpoint(const std::string &tag, uint32_t seed) : rng_(seed) {
    dir_ = std::filesystem::temp_directory_path() /
           ("gptq-model-family-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~Checkpoint() { std::filesystem::remove_all(dir_); }

  /// Random fp16-representable values around `offset`.
  void add(const std::string &name, std::vector<int64_t> shape,
           float offset = 0.0f, float spread = 0.2f) {
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    std::normal_distribution<float> normal(0.0f, spread);
    std::vector<float> values(count);
    for (float &v : values)
      v = halfToFloat(floatToHalf(offset + normal(rng_)));
    tensors[name] = {shape, values};
  }
  const std::vector<float> &operator[](const std::string &name) {
    return tensors.at(name).second;
  }
  std::string write(const std::string &config) {
    std::ofstream(dir_ / "config.json") << config;
    format::SafetensorsWriter writer;
    for (const auto &[name, entry] : tensors)
      EXPECT_TRUE(writer.addFloat16(name, entry.first, entry.second).ok());
    EXPECT_TRUE(writer.write((dir_ / "model.safetensors").string()).ok());
    return dir_.string();
  }

  Tensors tensors;

private:
  std::filesystem::path dir_;
  std::mt19937 rng_;
};

constexpr int64_t V = 16, H = 32, I = 64;

void addLlamaTensors(Checkpoint &ck) {
  ck.add("model.embed_tokens.weight", {V, H});
  ck.add("model.norm.weight", {H}, 1.0f);
  ck.add("lm_head.weight", {V, H});
  const std::string p = "model.layers.0.";
  ck.add(p + "input_layernorm.weight", {H}, 1.0f);
  ck.add(p + "post_attention_layernorm.weight", {H}, 1.0f);
  ck.add(p + "self_attn.q_proj.weight", {H, H});
  ck.add(p + "self_attn.k_proj.weight", {H / 2, H});
  ck.add(p + "self_attn.v_proj.weight", {H / 2, H});
  ck.add(p + "self_attn.o_proj.weight", {H, H});
  ck.add(p + "mlp.gate_proj.weight", {I, H});
  ck.add(p + "mlp.up_proj.weight", {I, H});
  ck.add(p + "mlp.down_proj.weight", {H, I});
}

std::string llamaConfig(const std::string &architecture) {
  return R"({"architectures": [")" + architecture +
         R"("], "vocab_size": 16, "hidden_size": 32,
    "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
    "num_key_value_heads": 2, "rope_theta": 10000.0})";
}

TEST(Families, Qwen2BiasesAreApplied) {
  Checkpoint llama("llama", 1);
  addLlamaTensors(llama);
  Expected<ModelWeights> base =
      loadModel(llama.write(llamaConfig("LlamaForCausalLM")));
  ASSERT_TRUE(base.ok()) << base.message();

  Checkpoint qwen("qwen", 1);
  addLlamaTensors(qwen); // same seed: the same weights
  for (const char *proj : {"q", "k", "v"}) {
    const std::string name =
        std::string("model.layers.0.self_attn.") + proj + "_proj.bias";
    const int64_t size = proj[0] == 'q' ? H : H / 2;
    qwen.tensors[name] = {{size}, std::vector<float>(size, 0.0f)};
  }
  const std::string qwenConfig = llamaConfig("Qwen2ForCausalLM");
  Expected<ModelWeights> zeroBias = loadModel(qwen.write(qwenConfig));
  ASSERT_TRUE(zeroBias.ok()) << zeroBias.message();
  EXPECT_EQ(zeroBias->layers[0].k.bias.size(), size_t(H / 2));
  EXPECT_TRUE(zeroBias->layers[0].o.bias.empty());

  const std::vector<int32_t> tokens = {3, 1, 4, 1, 5};
  Expected<std::vector<float>> a = CpuForward(*base, 2).logits(tokens);
  Expected<std::vector<float>> b = CpuForward(*zeroBias, 2).logits(tokens);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);

  qwen.add("model.layers.0.self_attn.v_proj.bias", {H / 2}, 0.5f);
  Expected<ModelWeights> withBias = loadModel(qwen.write(qwenConfig));
  ASSERT_TRUE(withBias.ok()) << withBias.message();
  Expected<std::vector<float>> c = CpuForward(*withBias, 2).logits(tokens);
  ASSERT_TRUE(c.ok());
  double difference = 0.0;
  for (size_t i = 0; i < c->size(); ++i)
    difference += std::fabs((*c)[i] - (*a)[i]);
  EXPECT_GT(difference, 0.1);

  // A Qwen2 checkpoint without its biases names the missing tensor.
  qwen.tensors.erase("model.layers.0.self_attn.q_proj.bias");
  Expected<ModelWeights> missing = loadModel(qwen.write(qwenConfig));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find(
                "missing tensor 'model.layers.0.self_attn.q_proj.bias'"),
            std::string::npos)
      << missing.message();
}

// --- OPT -------------------------------------------------------------------

std::vector<float> layerNormRef(const std::vector<float> &x,
                                const std::vector<float> &w,
                                const std::vector<float> &b) {
  double mean = 0, var = 0;
  for (float v : x)
    mean += v;
  mean /= double(x.size());
  for (float v : x)
    var += (v - mean) * (v - mean);
  var /= double(x.size());
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = float((x[i] - mean) / std::sqrt(var + 1e-5)) * w[i] + b[i];
  return y;
}

/// y = W x + b with W in PyTorch's [out][in] layout.
std::vector<float> matVec(const std::vector<float> &w,
                          const std::vector<float> &b,
                          const std::vector<float> &x) {
  const size_t out = b.size(), in = x.size();
  std::vector<float> y(out);
  for (size_t o = 0; o < out; ++o) {
    double sum = b[o];
    for (size_t i = 0; i < in; ++i)
      sum += double(w[o * in + i]) * x[i];
    y[o] = float(sum);
  }
  return y;
}

TEST(Families, OptSingleTokenMatchesHandComputation) {
  Checkpoint ck("opt", 3);
  const std::string d = "model.decoder.", p = "model.decoder.layers.0.";
  ck.add(d + "embed_tokens.weight", {V, H});
  ck.add(d + "embed_positions.weight", {8 + 2, H});
  ck.add(d + "final_layer_norm.weight", {H}, 1.0f);
  ck.add(d + "final_layer_norm.bias", {H});
  for (const char *norm : {"self_attn_layer_norm", "final_layer_norm"}) {
    ck.add(p + norm + ".weight", {H}, 1.0f);
    ck.add(p + norm + ".bias", {H});
  }
  for (const char *proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
    ck.add(p + "self_attn." + proj + ".weight", {H, H});
    ck.add(p + "self_attn." + proj + ".bias", {H});
  }
  ck.add(p + "fc1.weight", {I, H});
  ck.add(p + "fc1.bias", {I});
  ck.add(p + "fc2.weight", {H, I});
  ck.add(p + "fc2.bias", {H});
  const std::string dir = ck.write(
      R"({"architectures": ["OPTForCausalLM"], "vocab_size": 16,
      "hidden_size": 32, "ffn_dim": 64, "num_hidden_layers": 1,
      "num_attention_heads": 4, "max_position_embeddings": 8,
      "do_layer_norm_before": true, "activation_function": "relu"})");
  Expected<ModelWeights> model = loadModel(dir);
  ASSERT_TRUE(model.ok()) << model.message();

  const int32_t token = 11;
  std::vector<float> x(H);
  for (int64_t i = 0; i < H; ++i) // position 0 is row 2 of the table
    x[i] = ck[d + "embed_tokens.weight"][token * H + i] +
           ck[d + "embed_positions.weight"][2 * H + i];
  std::vector<float> h = layerNormRef(x, ck[p + "self_attn_layer_norm.weight"],
                                      ck[p + "self_attn_layer_norm.bias"]);
  std::vector<float> v = matVec(ck[p + "self_attn.v_proj.weight"],
                                ck[p + "self_attn.v_proj.bias"], h);
  std::vector<float> o = matVec(ck[p + "self_attn.out_proj.weight"],
                                ck[p + "self_attn.out_proj.bias"], v);
  for (int64_t i = 0; i < H; ++i)
    x[i] += o[i];
  h = layerNormRef(x, ck[p + "final_layer_norm.weight"],
                   ck[p + "final_layer_norm.bias"]);
  std::vector<float> f = matVec(ck[p + "fc1.weight"], ck[p + "fc1.bias"], h);
  for (float &value : f)
    value = std::max(value, 0.0f);
  f = matVec(ck[p + "fc2.weight"], ck[p + "fc2.bias"], f);
  for (int64_t i = 0; i < H; ++i)
    x[i] += f[i];
  h = layerNormRef(x, ck[d + "final_layer_norm.weight"],
                   ck[d + "final_layer_norm.bias"]);
  std::vector<float> expected =
      matVec(ck[d + "embed_tokens.weight"], std::vector<float>(V, 0.0f), h);

  Expected<std::vector<float>> logits = CpuForward(*model, 1).logits({token});
  ASSERT_TRUE(logits.ok()) << logits.message();
  ASSERT_EQ(logits->size(), size_t(V));
  for (int64_t i = 0; i < V; ++i)
    EXPECT_NEAR((*logits)[i], expected[i], 1e-4f * (1 + std::fabs(expected[i])))
        << i;

  // Longer than the learned positions: a clear error.
  Expected<std::vector<float>> tooLong =
      CpuForward(*model, 1).logits(std::vector<int32_t>(9, 1));
  ASSERT_FALSE(tooLong.ok());
  EXPECT_NE(tooLong.message().find("exceed max_position_embeddings 8"),
            std::string::npos)
      << tooLong.message();
}

} // namespace
