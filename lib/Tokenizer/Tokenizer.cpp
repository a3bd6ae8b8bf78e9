//===- Tokenizer.cpp - Choosing a model directory's tokenizer -------------===//
//
// Which files win: tokenizer.json (what transformers' fast tokenizers use,
// so the ids match what the model was evaluated with), then tokenizer.model,
// then byte-level for a config.json with vocab_size 256 (the test models,
// which ship no tokenizer files).
//
// Special tokens, each source filling what the previous left unset:
//   1. tokenizer_config.json: bos_token / eos_token (a string or
//      {"content": ...}), add_bos_token (which overrides 2);
//   2. the tokenizer itself: tokenizer.json's post-processor template (BOS
//      in front), sentencepiece's bos/eos ids (BOS in front, as Llama's
//      tokenizer adds it);
//   3. config.json: bos_token_id / eos_token_id (an id or a list of ids).
//
//===----------------------------------------------------------------------===//

#include "gptq/Tokenizer/Tokenizer.h"

#include "TokenizerFiles.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gptq::tokenizer {

namespace fs = std::filesystem;
using nlohmann::json;

Expected<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    return Status::error(path + ": cannot read");
  return buffer.str();
}

Expected<std::vector<int32_t>>
Tokenizer::encodeSequence(const std::string &text) const {
  Expected<std::vector<int32_t>> ids = encode(text);
  if (!ids || !specials_.addBos || !specials_.bos)
    return ids;
  std::vector<int32_t> withBos;
  withBos.reserve(ids->size() + 1);
  withBos.push_back(*specials_.bos);
  withBos.insert(withBos.end(), ids->begin(), ids->end());
  return withBos;
}

namespace {

/// A JSON file of the model directory, or null when it is absent.
Expected<json> readOptionalJson(const fs::path &path) {
  std::error_code error;
  if (!fs::exists(path, error))
    return json();
  Expected<std::string> text = readFile(path.string());
  if (!text)
    return text.status();
  json parsed = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    return Status::error(path.string() + ": not a JSON object");
  return parsed;
}

/// A token id in config.json: an integer or a list whose first entry is one.
std::optional<int32_t> configId(const json &config, const char *key) {
  auto it = config.find(key);
  if (it == config.end())
    return std::nullopt;
  const json &value = it->is_array() && !it->empty()
                          ? (*it)[0]
                          : static_cast<const json &>(*it);
  if (!value.is_number_integer() || value.get<int64_t>() < 0)
    return std::nullopt;
  return value.get<int32_t>();
}

/// The token tokenizer_config.json names under `key`, resolved to its id.
Expected<std::optional<int32_t>> configToken(const Tokenizer &tokenizer,
                                             const json &config,
                                             const char *key,
                                             const std::string &source) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null())
    return std::optional<int32_t>();
  const json &content = it->is_object() ? it->value("content", json()) : *it;
  if (!content.is_string())
    return Status::error(fmt::format(
        "{}: '{}' is neither a string nor {{\"content\": ...}}", source, key));
  std::optional<int32_t> id = tokenizer.tokenId(content.get<std::string>());
  if (!id)
    return Status::error(
        fmt::format("{}: {} '{}' is not a token of the tokenizer", source, key,
                    content.get<std::string>()));
  return id;
}

Status resolveSpecials(Tokenizer &tokenizer, const fs::path &dir,
                       const json &modelConfig) {
  SpecialTokens roles = tokenizer.specials();
  const fs::path configPath = dir / "tokenizer_config.json";
  Expected<json> config = readOptionalJson(configPath);
  if (!config)
    return config.status();
  if (config->is_object()) {
    for (auto [key, slot] : {std::pair<const char *, std::optional<int32_t> *>{
                                 "bos_token", &roles.bos},
                             {"eos_token", &roles.eos}}) {
      Expected<std::optional<int32_t>> id =
          configToken(tokenizer, *config, key, configPath.string());
      if (!id)
        return id.status();
      if (*id)
        *slot = **id;
    }
    auto addBos = config->find("add_bos_token");
    if (addBos != config->end() && addBos->is_boolean())
      roles.addBos = addBos->get<bool>();
  }
  if (!roles.bos)
    roles.bos = configId(modelConfig, "bos_token_id");
  if (!roles.eos)
    roles.eos = configId(modelConfig, "eos_token_id");
  roles.addBos = roles.addBos && roles.bos.has_value();
  tokenizer.setSpecials(roles);
  return Status::success();
}

} // namespace

Expected<std::unique_ptr<Tokenizer>>
loadTokenizer(const std::string &modelDir) {
  const fs::path dir(modelDir);
  std::error_code error;
  if (!fs::is_directory(dir, error))
    return Status::error(modelDir + ": no such directory");
  Expected<json> modelConfig = readOptionalJson(dir / "config.json");
  if (!modelConfig)
    return modelConfig.status();

  std::unique_ptr<Tokenizer> tokenizer;
  if (fs::exists(dir / "tokenizer.json", error)) {
    Expected<std::unique_ptr<Tokenizer>> loaded =
        loadTokenizerJson((dir / "tokenizer.json").string());
    if (!loaded)
      return loaded.status();
    tokenizer = loaded.take();
  } else if (fs::exists(dir / "tokenizer.model", error)) {
    Expected<std::unique_ptr<Tokenizer>> loaded =
        loadSentencePieceModel((dir / "tokenizer.model").string());
    if (!loaded)
      return loaded.status();
    tokenizer = loaded.take();
    // Llama's sentencepiece tokenizer puts BOS in front by default.
    SpecialTokens roles = tokenizer->specials();
    roles.addBos = roles.bos.has_value();
    tokenizer->setSpecials(roles);
  } else {
    const json vocab = modelConfig->is_object()
                           ? modelConfig->value("vocab_size", json())
                           : json();
    if (!vocab.is_number_integer() || vocab.get<int64_t>() != 256)
      return Status::error(fmt::format(
          "{}: no tokenizer: neither tokenizer.json nor tokenizer.model is "
          "there, and config.json's vocab_size {} is not byte-level (256)",
          modelDir, vocab.is_null() ? "(missing)" : vocab.dump()));
    tokenizer = makeByteTokenizer();
  }
  GPTQ_RETURN_IF_ERROR(resolveSpecials(*tokenizer, dir, *modelConfig));
  return tokenizer;
}

} // namespace gptq::tokenizer
