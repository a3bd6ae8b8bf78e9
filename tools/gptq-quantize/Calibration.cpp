//===- Calibration.cpp - Calibration windows for gptq-quantize ------------===//

#include "Calibration.h"

#include "gptq/Model/Perplexity.h"
#include "gptq/Tokenizer/Tokenizer.h"

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

/// The model's tokenizer; the message suggests the way around a missing or
/// unsupported one.
Expected<std::unique_ptr<tokenizer::Tokenizer>>
loadCalibrationTokenizer(const std::string &modelDir) {
  Expected<std::unique_ptr<tokenizer::Tokenizer>> loaded =
      tokenizer::loadTokenizer(modelDir);
  if (!loaded)
    return Status::error(loaded.message() +
                         "; pass token ids with --calib-format tokens");
  return loaded;
}

Status checkCalibrationTokenizer(const model::ModelConfig &config,
                                 const std::string &format,
                                 const std::string &modelDir) {
  if (format != "text")
    return Status::success();
  return loadCalibrationTokenizer(modelDir).status();
}

Expected<CalibrationSet> loadCalibration(const std::string &path,
                                         const std::string &format,
                                         const model::ModelConfig &config,
                                         const std::string &modelDir,
                                         int64_t nsamples, int64_t seqlen) {
  Expected<std::string> text = model::readTextFile(path);
  if (!text)
    return text.status().withContext("--calib");
  std::vector<int32_t> stream;
  if (format == "text") {
    Expected<std::unique_ptr<tokenizer::Tokenizer>> tokenizer =
        loadCalibrationTokenizer(modelDir);
    if (!tokenizer)
      return tokenizer.status();
    Expected<std::vector<int32_t>> ids = (*tokenizer)->encodeSequence(*text);
    if (!ids)
      return ids.status().withContext(path);
    stream = ids.take();
    for (int32_t id : stream)
      if (id >= config.vocabSize)
        return Status::error(fmt::format(
            "{}: the tokenizer ({}) gave id {}, outside the model's vocab_size "
            "{}",
            path, (*tokenizer)->describe(), id, config.vocabSize));
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
