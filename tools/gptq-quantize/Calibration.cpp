//===- Calibration.cpp - Calibration windows for gptq-quantize ------------===//

#include "Calibration.h"

#include "gptq/Model/Perplexity.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace gptq::tools {

namespace {

Expected<std::vector<int32_t>>
parseTokenIds(const std::string &text, const std::string &path, int64_t vocab) {
  std::vector<int32_t> tokens;
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() &&
           !std::isspace(static_cast<unsigned char>(text[end])))
      ++end;
    const std::string word = text.substr(i, end - i);
    char *stop = nullptr;
    const long long value = std::strtoll(word.c_str(), &stop, 10);
    if (*stop != '\0' || word.empty())
      return Status::error(
          fmt::format("{}: token {} ('{}') is not a decimal token id", path,
                      tokens.size(), word.substr(0, 20)));
    if (value < 0 || value >= vocab)
      return Status::error(
          fmt::format("{}: token {} ({}) is outside the vocabulary of {}", path,
                      tokens.size(), value, vocab));
    tokens.push_back(int32_t(value));
    i = end;
  }
  return tokens;
}

} // namespace

Status checkCalibrationTokenizer(const model::ModelConfig &config,
                                 const std::string &format,
                                 const std::string &modelDir) {
  if (format == "text" && config.vocabSize != 256)
    return Status::error(fmt::format(
        "{}: vocab_size {} is not byte-level (256): --calib-format text only "
        "tokenizes byte-level models so far (sentencepiece tokenizer.model "
        "and Hugging Face tokenizer.json tokenizers are not supported yet); "
        "pass token ids with --calib-format tokens",
        modelDir, config.vocabSize));
  return Status::success();
}

Expected<CalibrationSet> loadCalibration(const std::string &path,
                                         const std::string &format,
                                         const model::ModelConfig &config,
                                         const std::string &modelDir,
                                         int64_t nsamples, int64_t seqlen) {
  GPTQ_RETURN_IF_ERROR(checkCalibrationTokenizer(config, format, modelDir));
  Expected<std::string> text = model::readTextFile(path);
  if (!text)
    return text.status().withContext("--calib");
  std::vector<int32_t> stream;
  if (format == "text") {
    stream = model::byteTokens(*text);
  } else {
    Expected<std::vector<int32_t>> ids =
        parseTokenIds(*text, path, config.vocabSize);
    if (!ids)
      return ids.status();
    stream = ids.take();
  }
  CalibrationSet set;
  set.available = int64_t(stream.size());
  set.T = seqlen;
  set.sequences = std::min<int64_t>(nsamples, set.available / seqlen);
  if (set.sequences < 1)
    return Status::error(
        fmt::format("{}: {} tokens, fewer than one calibration window of "
                    "--seqlen {}",
                    path, set.available, seqlen));
  stream.resize(size_t(set.sequences * seqlen));
  set.tokens = std::move(stream);
  return set;
}

} // namespace gptq::tools
