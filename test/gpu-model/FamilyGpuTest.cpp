//===- FamilyGpuTest.cpp - OPT and Qwen2 on the GPU against the CPU -------===//
//
// The GPU forward's non-Llama paths on synthetic fp16 checkpoints (random
// weights written as safetensors, loaded like any model): OPT with its
// LayerNorm before the blocks (the residual added in the norm call that
// follows) and after them (added on its own), learned positions and the
// cache append without RoPE; Qwen2's q/k/v biases. Prefill logits of every
// position and a few KV-cache decode steps against the fp32 CPU forward.
// Head size 32 (the split attention's smallest). Skips without a GPU.
//
//===----------------------------------------------------------------------===//

#include "GpuTestSupport.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Model/CpuForward.h"
#include "gptq/Model/GpuForward.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace gptq;
using namespace gptq::model;

namespace {

constexpr int64_t V = 64, H = 128, I = 256, Layers = 2;

/// A synthetic checkpoint directory, removed with the object.
class SyntheticCheckpoint {
public:
  explicit SyntheticCheckpoint(const std::string &tag) {
    dir_ = std::filesystem::temp_directory_path() /
           ("gptq-gpu-family-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~SyntheticCheckpoint() { std::filesystem::remove_all(dir_); }
  void add(const std::string &name, std::vector<int64_t> shape,
           float offset = 0.0f, float spread = 0.1f) {
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    std::normal_distribution<float> normal(offset, spread);
    std::vector<float> values(static_cast<size_t>(count));
    for (float &v : values)
      v = normal(rng_);
    EXPECT_TRUE(writer_.addFloat16(name, shape, values).ok());
  }
  std::string write(const std::string &config) {
    std::ofstream(dir_ / "config.json") << config;
    EXPECT_TRUE(writer_.write((dir_ / "model.safetensors").string()).ok());
    return dir_.string();
  }

private:
  std::filesystem::path dir_;
  format::SafetensorsWriter writer_;
  std::mt19937 rng_{17};
};

using test::relativeError;

/// Prefill of `prompt` tokens then `steps` decode steps on the GPU, each
/// against the CPU's logits of the whole sequence.
void expectGpuMatchesCpu(const ModelWeights &model, const char *what) {
  const int64_t prompt = 24, steps = 6;
  std::vector<int32_t> tokens(prompt + steps);
  for (size_t i = 0; i < tokens.size(); ++i)
    tokens[i] = int32_t((i * 37 + 5) % V);
  Expected<std::vector<float>> cpu = CpuForward(model).logits(tokens);
  ASSERT_TRUE(cpu.ok()) << cpu.message();
  GpuOptions options;
  options.maxBatch = 1;
  options.maxSequence = prompt + steps;
  Expected<std::unique_ptr<GpuForward>> gpu =
      GpuForward::create(model, options);
  ASSERT_TRUE(gpu.ok()) << gpu.message();
  std::vector<int32_t> head(tokens.begin(), tokens.begin() + prompt);
  Expected<std::vector<float>> prefill = (*gpu)->prefill(head, 1, prompt, true);
  ASSERT_TRUE(prefill.ok()) << prefill.message();
  const double prefillError =
      relativeError(prefill->data(), cpu->data(), size_t(prompt * V));
  EXPECT_LT(prefillError, 1e-2);
  double worstStep = 0.0;
  for (int64_t s = 0; s < steps; ++s) {
    Expected<std::vector<float>> logits =
        (*gpu)->decode({tokens[size_t(prompt + s)]});
    ASSERT_TRUE(logits.ok()) << logits.message();
    const double error = relativeError(
        logits->data(), cpu->data() + (prompt + s) * V, size_t(V));
    EXPECT_LT(error, 1e-2) << "decode step " << s;
    worstStep = std::max(worstStep, error);
  }
  std::printf("%s: GPU vs CPU logits, prefill %.2e, worst decode step "
              "%.2e\n",
              what, prefillError, worstStep);
}

class FamilyGpuTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string whyNot;
    if (!gpuAvailable(&whyNot))
      GTEST_SKIP() << "No CUDA device: " << whyNot;
  }
};

TEST_F(FamilyGpuTest, OptBothNormPlacements) {
  for (bool before : {true, false}) {
    SyntheticCheckpoint ck(before ? "opt-pre" : "opt-post");
    const std::string d = "model.decoder.";
    ck.add(d + "embed_tokens.weight", {V, H}, 0.0f, 0.5f);
    ck.add(d + "embed_positions.weight", {64 + 2, H}, 0.0f, 0.5f);
    if (before) {
      ck.add(d + "final_layer_norm.weight", {H}, 1.0f);
      ck.add(d + "final_layer_norm.bias", {H});
    }
    for (int64_t l = 0; l < Layers; ++l) {
      const std::string p = d + "layers." + std::to_string(l) + ".";
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
    }
    const std::string dir = ck.write(
        R"({"architectures": ["OPTForCausalLM"], "vocab_size": 64,
        "hidden_size": 128, "ffn_dim": 256, "num_hidden_layers": 2,
        "num_attention_heads": 4, "max_position_embeddings": 64,
        "do_layer_norm_before": )" +
        std::string(before ? "true" : "false") +
        R"(, "activation_function": "relu"})");
    Expected<ModelWeights> model = loadModel(dir);
    ASSERT_TRUE(model.ok()) << model.message();
    expectGpuMatchesCpu(*model, before ? "OPT, norm before the blocks"
                                       : "OPT, norm after the blocks");
  }
}

TEST_F(FamilyGpuTest, Qwen2WithQkvBiases) {
  SyntheticCheckpoint ck("qwen2");
  ck.add("model.embed_tokens.weight", {V, H}, 0.0f, 0.5f);
  ck.add("model.norm.weight", {H}, 1.0f);
  ck.add("lm_head.weight", {V, H});
  for (int64_t l = 0; l < Layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    ck.add(p + "input_layernorm.weight", {H}, 1.0f);
    ck.add(p + "post_attention_layernorm.weight", {H}, 1.0f);
    ck.add(p + "self_attn.q_proj.weight", {H, H});
    ck.add(p + "self_attn.q_proj.bias", {H}, 0.0f, 0.3f);
    ck.add(p + "self_attn.k_proj.weight", {H / 2, H});
    ck.add(p + "self_attn.k_proj.bias", {H / 2}, 0.0f, 0.3f);
    ck.add(p + "self_attn.v_proj.weight", {H / 2, H});
    ck.add(p + "self_attn.v_proj.bias", {H / 2}, 0.0f, 0.3f);
    ck.add(p + "self_attn.o_proj.weight", {H, H});
    ck.add(p + "mlp.gate_proj.weight", {I, H});
    ck.add(p + "mlp.up_proj.weight", {I, H});
    ck.add(p + "mlp.down_proj.weight", {H, I});
  }
  const std::string dir = ck.write(
      R"({"architectures": ["Qwen2ForCausalLM"], "vocab_size": 64,
      "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 2,
      "rope_theta": 10000.0, "rms_norm_eps": 1e-6})");
  Expected<ModelWeights> model = loadModel(dir);
  ASSERT_TRUE(model.ok()) << model.message();
  expectGpuMatchesCpu(*model, "Qwen2, q/k/v biases");
}

} // namespace
