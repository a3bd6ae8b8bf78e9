//===- ModelConfigTest.cpp - config.json parsing --------------------------===//

#include "gptq/Model/ModelConfig.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace gptq;
using namespace gptq::model;

namespace {

/// A LLaMA config in the older spelling (rope_theta at top level).
const char *kOldLlama = R"({
  "architectures": ["LlamaForCausalLM"], "vocab_size": 256,
  "hidden_size": 512, "intermediate_size": 1536, "num_hidden_layers": 4,
  "num_attention_heads": 8, "num_key_value_heads": 4,
  "rms_norm_eps": 1e-06, "rope_theta": 500000.0,
  "max_position_embeddings": 4096, "tie_word_embeddings": true})";

std::string withKey(std::string json, const std::string &entry) {
  json.insert(json.rfind('}'), ", " + entry);
  return json;
}

TEST(ModelConfig, ParsesOlderRopeThetaSpelling) {
  Expected<ModelConfig> config = parseModelConfigText(kOldLlama, "old.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->family, ModelFamily::Llama);
  EXPECT_EQ(config->ropeTheta, 500000.0);
  EXPECT_EQ(config->headDim, 64);
  EXPECT_EQ(config->numKvHeads, 4);
  EXPECT_EQ(config->normEps, 1e-6);
  EXPECT_EQ(config->maxPositions, 4096);
  EXPECT_TRUE(config->tieWordEmbeddings);
  EXPECT_FALSE(config->qkvBias);
  EXPECT_FALSE(config->quantization.has_value());
}

TEST(ModelConfig, ParsesRopeParametersFromFileInDirectory) {
  // The fixture's own spelling, through a file in a temporary directory.
  auto dir = std::filesystem::temp_directory_path() /
             ("gptq-model-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "config.json");
    out << R"({"architectures": ["MistralForCausalLM"], "vocab_size": 1000,
      "hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 128,
      "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}})";
  }
  Expected<ModelConfig> config = parseModelConfig(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->architecture, "MistralForCausalLM");
  EXPECT_EQ(config->ropeTheta, 1000000.0);
  EXPECT_EQ(config->headDim, 128); // explicit head_dim wins over 256 / 4
  EXPECT_EQ(config->qDim(), 512);
  EXPECT_EQ(config->kvDim(), 128);
  EXPECT_FALSE(config->tieWordEmbeddings);
  EXPECT_EQ(config->slidingWindow, 0); // none given
}

TEST(ModelConfig, SlidingWindow) {
  std::string mistral = kOldLlama;
  mistral.replace(mistral.find("LlamaForCausalLM"), 16, "MistralForCausalLM");
  Expected<ModelConfig> config = parseModelConfigText(
      withKey(mistral, R"("sliding_window": 4096)"), "mistral.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->slidingWindow, 4096);
  std::string qwen = kOldLlama;
  qwen.replace(qwen.find("LlamaForCausalLM"), 16, "Qwen2ForCausalLM");
  // Qwen2 configs carry sliding_window but use_sliding_window false.
  config = parseModelConfigText(
      withKey(qwen, R"("sliding_window": 131072, "use_sliding_window": false)"),
      "qwen.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->slidingWindow, 0);
}

TEST(ModelConfig, Qwen2HasQkvBias) {
  std::string text = kOldLlama;
  text.replace(text.find("LlamaForCausalLM"), 16, "Qwen2ForCausalLM");
  Expected<ModelConfig> config = parseModelConfigText(text, "qwen.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_TRUE(config->qkvBias);
  EXPECT_FALSE(config->oBias);
}

TEST(ModelConfig, ParsesOpt) {
  Expected<ModelConfig> config = parseModelConfigText(
      R"({"architectures": ["OPTForCausalLM"], "vocab_size": 50272,
      "hidden_size": 768, "ffn_dim": 3072, "num_hidden_layers": 12,
      "num_attention_heads": 12, "max_position_embeddings": 2048,
      "do_layer_norm_before": true, "word_embed_proj_dim": 768,
      "activation_function": "relu"})",
      "opt.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->family, ModelFamily::Opt);
  EXPECT_EQ(config->intermediateSize, 3072);
  EXPECT_EQ(config->headDim, 64);
  EXPECT_EQ(config->positionOffset, 2);
  EXPECT_TRUE(config->tieWordEmbeddings);
  EXPECT_TRUE(config->doLayerNormBefore);
  // 125M parameters (OPT-125m: 125,239,296 with biases and norms).
  EXPECT_NEAR(double(config->numParameters()), 125.2e6, 0.2e6);
}

TEST(ModelConfig, ReadsQuantizationConfig) {
  Expected<ModelConfig> config = parseModelConfigText(
      withKey(kOldLlama, R"("quantization_config": {"quant_method": "gptq",
        "bits": 3, "group_size": 64, "desc_act": true, "sym": false,
        "checkpoint_format": "gptq_v2"})"),
      "q.json");
  ASSERT_TRUE(config.ok()) << config.message();
  ASSERT_TRUE(config->quantization.has_value());
  EXPECT_EQ(config->quantization->bits, 3);
  EXPECT_EQ(config->quantization->groupSize, 64);
  EXPECT_TRUE(config->quantization->descAct);
  EXPECT_FALSE(config->quantization->sym);
  EXPECT_EQ(config->quantization->checkpointFormat, "gptq_v2");
}

void expectError(const std::string &text, const std::string &fragment) {
  Expected<ModelConfig> config = parseModelConfigText(text, "bad.json");
  ASSERT_FALSE(config.ok()) << "accepted: " << text;
  EXPECT_NE(config.message().find("bad.json"), std::string::npos)
      << config.message();
  EXPECT_NE(config.message().find(fragment), std::string::npos)
      << config.message();
}

TEST(ModelConfig, Errors) {
  std::string unknown = kOldLlama;
  unknown.replace(unknown.find("LlamaForCausalLM"), 16, "GPT2LMHeadModel");
  expectError(unknown, "architecture 'GPT2LMHeadModel' is not supported");
  expectError("[1, 2]", "not a JSON object");
  expectError(R"({"vocab_size": 3})", "missing 'architectures'");
  std::string noHidden = kOldLlama;
  noHidden.replace(noHidden.find("\"hidden_size\""), 13, "\"hidden_sise\"");
  expectError(noHidden, "missing key 'hidden_size'");
  std::string stringType = kOldLlama;
  stringType.replace(stringType.find("256"), 3, "\"256\"");
  expectError(stringType, "key 'vocab_size' has the wrong type");
  expectError(withKey(kOldLlama, R"("rope_parameters": {"rope_theta": 1e4,
      "rope_type": "yarn", "factor": 4.0})"),
              "rope_type 'yarn' is not supported");
  std::string badGqa = kOldLlama;
  badGqa.replace(badGqa.find("\"num_key_value_heads\": 4"), 24,
                 "\"num_key_value_heads\": 3");
  expectError(badGqa, "not a multiple of num_key_value_heads");
  expectError(withKey(kOldLlama, R"("quantization_config": {"quant_method":
      "awq", "bits": 4})"),
              "quant_method 'awq' is not supported");
  expectError(withKey(kOldLlama, R"("quantization_config": {"quant_method":
      "gptq", "bits": 5})"),
              "bits");
}

TEST(ModelConfig, LinearRopeScaling) {
  Expected<ModelConfig> config = parseModelConfigText(
      withKey(kOldLlama,
              R"("rope_scaling": {"rope_type": "linear", "factor": 2.0})"),
      "linear.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->ropeLinearFactor, 2.0);
  EXPECT_EQ(config->ropeTheta, 500000.0);
}

} // namespace
