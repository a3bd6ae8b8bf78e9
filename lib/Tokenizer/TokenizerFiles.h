//===- TokenizerFiles.h - File reading for the tokenizer loaders -*- C++ -*-=//

#ifndef GPTQ_LIB_TOKENIZER_TOKENIZERFILES_H
#define GPTQ_LIB_TOKENIZER_TOKENIZERFILES_H

#include "gptq/Support/Status.h"

#include <string>

namespace gptq::tokenizer {

/// The whole file as bytes; the error names the path.
Expected<std::string> readFile(const std::string &path);

} // namespace gptq::tokenizer

#endif // GPTQ_LIB_TOKENIZER_TOKENIZERFILES_H
