//===- QuantizeConfigTest.cpp - quantize_config.json ----------------------===//

#include "gptq/Format/QuantizeConfig.h"
#include "gptq/Format/AtomicFile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

using namespace gptq;
using namespace gptq::format;

namespace {

QuantizeConfig sample() {
  QuantizeConfig config;
  config.bits = 3;
  config.groupSize = 64;
  config.descAct = true;
  config.sym = false;
  config.staticGroups = true;
  config.dampPercent = 0.05;
  config.trueSequential = false;
  config.checkpointFormat = "gptq_v2";
  config.modelNameOrPath = "tiny-llama-bytes";
  config.modelFileBaseName = "gptq_model-3bit-64g";
  return config;
}

TEST(QuantizeConfig, QuantizeConfigJsonKeys) {
  nlohmann::json json = nlohmann::json::parse(sample().toQuantizeConfigJson());
  EXPECT_EQ(json["bits"], 3);
  EXPECT_EQ(json["group_size"], 64);
  EXPECT_EQ(json["damp_percent"], 0.05);
  EXPECT_EQ(json["desc_act"], true);
  EXPECT_EQ(json["static_groups"], true);
  EXPECT_EQ(json["sym"], false);
  EXPECT_EQ(json["true_sequential"], false);
  EXPECT_EQ(json["model_name_or_path"], "tiny-llama-bytes");
  EXPECT_EQ(json["model_file_base_name"], "gptq_model-3bit-64g");
  EXPECT_EQ(json["quant_method"], "gptq");
  EXPECT_EQ(json["checkpoint_format"], "gptq_v2");
}

TEST(QuantizeConfig, RoundTripsThroughBothFiles) {
  QuantizeConfig config = sample();
  auto fromQuantizeConfig =
      parseQuantizeConfigText(config.toQuantizeConfigJson(), "q.json");
  ASSERT_TRUE(fromQuantizeConfig.ok()) << fromQuantizeConfig.message();
  // config.json nests the object under quantization_config.
  std::string configJson =
      "{\"model_type\":\"llama\",\"quantization_config\":" +
      config.toQuantizationConfigJson() + "}";
  auto fromConfig = parseQuantizeConfigText(configJson, "config.json");
  ASSERT_TRUE(fromConfig.ok()) << fromConfig.message();
  for (const QuantizeConfig *parsed : {&*fromQuantizeConfig, &*fromConfig}) {
    EXPECT_EQ(parsed->bits, 3);
    EXPECT_EQ(parsed->groupSize, 64);
    EXPECT_TRUE(parsed->descAct);
    EXPECT_FALSE(parsed->sym);
    EXPECT_TRUE(parsed->staticGroups);
    EXPECT_DOUBLE_EQ(parsed->dampPercent, 0.05);
    EXPECT_FALSE(parsed->trueSequential);
    EXPECT_EQ(*parsed->format(), CheckpointFormat::GptqV2);
  }
  nlohmann::json nested =
      nlohmann::json::parse(config.toQuantizationConfigJson());
  EXPECT_EQ(nested["quant_method"], "gptq");
  EXPECT_EQ(nested["desc_act"], true);
}

TEST(QuantizeConfig, ReadsFileAndDefaults) {
  char pattern[] = "/tmp/gptq-qconfig-XXXXXX";
  std::string dir = ::mkdtemp(pattern);
  std::string path = dir + "/quantize_config.json";
  // An old AutoGPTQ file: no checkpoint_format (means v1), no quant_method.
  ASSERT_TRUE(writeFileAtomically(path, R"({"bits": 4, "group_size": -1,
      "desc_act": false, "sym": true, "damp_percent": 0.01})")
                  .ok());
  auto config = parseQuantizeConfig(path);
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->groupSize, -1);
  EXPECT_EQ(*config->format(), CheckpointFormat::GptqV1);
  EXPECT_FALSE(parseQuantizeConfig(path).ok());
}

TEST(QuantizeConfig, ErrorsNameFileAndKey) {
  struct Case {
    const char *text, *expected;
  } cases[] = {
      {R"({"bits": "4"})", "key 'bits'"},
      {R"({"bits": 5})", "bits"},
      {R"({"bits": 4, "group_size": 0})", "group_size"},
      {R"({"bits": 4, "desc_act": 1})", "key 'desc_act'"},
      {R"({"bits": 4, "damp_percent": 2.0})", "damp_percent"},
      {R"({"bits": 4, "checkpoint_format": "marlin"})", "checkpoint_format"},
      {R"({"bits": 4, "quant_method": "awq"})", "quant_method"},
      {R"({"group_size": 128})", "missing key 'bits'"},
      {R"({"bits": 4,)", "not a valid JSON object"},
  };
  for (const Case &c : cases) {
    auto config = parseQuantizeConfigText(c.text, "quantize_config.json");
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_EQ(config.message().rfind("quantize_config.json: ", 0), 0u)
        << config.message();
    EXPECT_NE(config.message().find(c.expected), std::string::npos)
        << c.text << " -> " << config.message();
  }
}

} // namespace
