//===- Calibration.h - Calibration windows for gptq-quantize ----*- C++ -*-===//
//
// GPTQ's Hessians come from N sequences of L tokens of representative text.
// They are taken here as consecutive, non-overlapping windows from the start
// of the token stream (window i is tokens [i·L, (i+1)·L)), not random ones:
// the result then depends on the file alone, with no seed to record, and a
// resumed run can check it sees the same samples. N is capped by the text.
//
// Tokenization (--calib-format text): the model's own tokenizer
// (gptq/Tokenizer: tokenizer.json, tokenizer.model, or bytes for the
// byte-level test models) encodes the whole file once, with BOS in front
// when the model's tokenizer adds one, as `tokenizer(text)` does in Python.
// --calib-format tokens reads whitespace-separated decimal ids instead.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_CALIBRATION_H
#define GPTQ_TOOLS_QUANTIZE_CALIBRATION_H

#include "gptq/Model/ModelConfig.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gptq::tools {

struct CalibrationSet {
  std::vector<int32_t> tokens; ///< [sequences][T]
  int64_t sequences = 0, T = 0;
  int64_t available = 0; ///< tokens in the file
};

/// Fails unless `format` can be tokenized for this model (text needs a
/// tokenizer that loads from `modelDir`); the message names the file and
/// the problem.
Status checkCalibrationTokenizer(const model::ModelConfig &config,
                                 const std::string &format,
                                 const std::string &modelDir);

/// Reads `path` (`format` "text" or "tokens") and cuts up to `nsamples`
/// windows of `seqlen` tokens; fewer when the file is shorter, an error when
/// it holds less than one window.
Expected<CalibrationSet> loadCalibration(const std::string &path,
                                         const std::string &format,
                                         const model::ModelConfig &config,
                                         const std::string &modelDir,
                                         int64_t nsamples, int64_t seqlen);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_CALIBRATION_H
