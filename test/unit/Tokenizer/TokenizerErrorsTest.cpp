//===- TokenizerErrorsTest.cpp - Every refusal names file and problem -----===//

#include "gptq/Tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace gptq;
using namespace gptq::tokenizer;

namespace {

/// A minimal byte-level BPE tokenizer.json with `model`, `preTokenizer`,
/// `normalizer` and `decoder` spliced in.
std::string tokenizerJson(const std::string &model,
                          const std::string &preTokenizer = "null",
                          const std::string &normalizer = "null",
                          const std::string &decoder = "null") {
  return R"({"version": "1.0", "added_tokens": [], "normalizer": )" +
         normalizer + R"(, "pre_tokenizer": )" + preTokenizer +
         R"(, "post_processor": null, "decoder": )" + decoder +
         R"(, "model": )" + model + "}";
}

const char *const kModel =
    R"({"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]})";

/// The message of parsing `json`, which must fail.
std::string failure(const std::string &json) {
  Expected<std::unique_ptr<Tokenizer>> parsed =
      parseTokenizerJson(json, "dir/tokenizer.json");
  EXPECT_FALSE(parsed);
  return parsed ? "" : parsed.message();
}

TEST(TokenizerErrors, TheMinimalFileWorks) {
  Expected<std::unique_ptr<Tokenizer>> parsed =
      parseTokenizerJson(tokenizerJson(kModel), "dir/tokenizer.json");
  ASSERT_TRUE(parsed) << parsed.message();
  EXPECT_EQ(*(*parsed)->encode("aab"), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ((*parsed)->vocabSize(), 3);
  // No unk_token and no byte fallback: a character without a token fails.
  Expected<std::vector<int32_t>> ids = (*parsed)->encode("abc");
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.message(),
            "dir/tokenizer.json: character U+0063 has no token, and the model "
            "has neither byte_fallback tokens nor an unk_token");
  Expected<std::string> text = (*parsed)->decode({0, 7});
  ASSERT_FALSE(text);
  EXPECT_EQ(text.message(),
            "dir/tokenizer.json: token id 7 is not in the vocabulary");
}

TEST(TokenizerErrors, MissingFile) {
  Expected<std::unique_ptr<Tokenizer>> loaded =
      loadTokenizerJson("/no/such/dir/tokenizer.json");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.message(), "/no/such/dir/tokenizer.json: cannot open");
  loaded = loadTokenizer("/no/such/dir");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.message(), "/no/such/dir: no such directory");
}

TEST(TokenizerErrors, NoTokenizerInTheDirectory) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "gptq-no-tokenizer";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"vocab_size": 32000})";
  Expected<std::unique_ptr<Tokenizer>> loaded = loadTokenizer(dir.string());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.message(),
            dir.string() +
                ": no tokenizer: neither tokenizer.json nor tokenizer.model "
                "is there, and config.json's vocab_size 32000 is not "
                "byte-level (256)");

  // A broken tokenizer_config.json entry names its file.
  std::ofstream(dir / "config.json") << R"({"vocab_size": 256})";
  std::ofstream(dir / "tokenizer_config.json") << R"({"eos_token": "</s>"})";
  loaded = loadTokenizer(dir.string());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.message(),
            (dir / "tokenizer_config.json").string() +
                ": eos_token '</s>' is not a token of the tokenizer");

  // A tokenizer.model that is not one.
  fs::remove(dir / "tokenizer_config.json");
  std::ofstream(dir / "tokenizer.model") << "not a model";
  loaded = loadTokenizer(dir.string());
  ASSERT_FALSE(loaded);
  const std::string path = (dir / "tokenizer.model").string();
  EXPECT_EQ(loaded.message().rfind(path + ": ", 0), 0u) << loaded.message();
  if (haveSentencePiece())
    EXPECT_NE(loaded.message().find("not a sentencepiece model"),
              std::string::npos)
        << loaded.message();
  else
    EXPECT_NE(loaded.message().find("no sentencepiece support"),
              std::string::npos)
        << loaded.message();
  fs::remove_all(dir);
}

TEST(TokenizerErrors, MalformedJson) {
  EXPECT_EQ(
      failure("{\"model\": ").rfind("dir/tokenizer.json: not valid JSON (", 0),
      0u);
  EXPECT_EQ(failure("[1, 2]"), "dir/tokenizer.json: not a JSON object");
  EXPECT_EQ(failure("{}"), "dir/tokenizer.json: missing key 'model'");
}

TEST(TokenizerErrors, UnsupportedModelType) {
  EXPECT_EQ(
      failure(tokenizerJson(R"({"type": "WordPiece", "vocab": {"a": 0}})")),
      "dir/tokenizer.json: model type 'WordPiece' is not supported "
      "(only BPE is)");
  EXPECT_EQ(
      failure(tokenizerJson(R"({"type": "Unigram", "vocab": [["a", 0.0]]})")),
      "dir/tokenizer.json: model type 'Unigram' is not supported (only "
      "BPE is)");
}

TEST(TokenizerErrors, BadModel) {
  EXPECT_EQ(failure(tokenizerJson(R"({"type": "BPE", "merges": []})")),
            "dir/tokenizer.json: missing key model.vocab (an object)");
  EXPECT_EQ(failure(tokenizerJson(
                R"({"type": "BPE", "vocab": {"a": 0}, "merges": ["a b c"]})")),
            "dir/tokenizer.json: model.merges[0]: 'a b c' is not two tokens "
            "separated by one space");
  EXPECT_EQ(failure(tokenizerJson(
                R"({"type": "BPE", "vocab": {"a": 0}, "merges": [["a"]]})")),
            "dir/tokenizer.json: model.merges[0]: [\"a\"] is neither \"a b\" "
            "nor [\"a\", \"b\"]");
  EXPECT_EQ(failure(tokenizerJson(
                R"({"type": "BPE", "vocab": {"a": 0}, "merges": ["a x"]})")),
            "dir/tokenizer.json: model.merges[0]: 'x' is not in the "
            "vocabulary");
  EXPECT_EQ(
      failure(tokenizerJson(
          R"({"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]})")),
      "dir/tokenizer.json: model.merges[0]: the merged token 'ab' is not in "
      "the vocabulary");
  EXPECT_EQ(failure(tokenizerJson(
                R"({"type": "BPE", "vocab": {"a": -1}, "merges": []})")),
            "dir/tokenizer.json: model.vocab['a']: -1 is not a token id");
  EXPECT_EQ(failure(tokenizerJson(R"({"type": "BPE", "vocab": {"a": 0},
              "merges": [], "unk_token": "<unk>"})")),
            "dir/tokenizer.json: model.unk_token \"<unk>\" is not in the "
            "vocabulary");
  EXPECT_EQ(failure(tokenizerJson(R"({"type": "BPE", "vocab": {"a": 0},
              "merges": [], "continuing_subword_prefix": "##"})")),
            "dir/tokenizer.json: model.continuing_subword_prefix \"##\" is "
            "not supported");
  EXPECT_EQ(failure(tokenizerJson(R"({"type": "BPE", "vocab": {"a": 0},
              "merges": [], "dropout": 0.1})")),
            "dir/tokenizer.json: model.dropout 0.1 is not supported "
            "(tokenization would be random)");
}

TEST(TokenizerErrors, UnsupportedComponents) {
  EXPECT_EQ(failure(tokenizerJson(kModel, R"({"type": "Whitespace"})")),
            "dir/tokenizer.json: pre_tokenizer: pre_tokenizer type "
            "'Whitespace' is not supported (Sequence, ByteLevel, Split and "
            "Metaspace are)");
  EXPECT_EQ(
      failure(tokenizerJson(
          kModel,
          R"({"type": "Sequence", "pretokenizers": [{"type": "Digits"}]})")),
      "dir/tokenizer.json: pre_tokenizer.pretokenizers[0]: pre_tokenizer "
      "type 'Digits' is not supported (Sequence, ByteLevel, Split and "
      "Metaspace are)");
  EXPECT_EQ(failure(tokenizerJson(
                kModel, R"({"type": "Split", "pattern": {"Regex": "\\d+"},
                     "behavior": "Isolated", "invert": false})")),
            "dir/tokenizer.json: pre_tokenizer: Split regex '\\d+' is not "
            "supported (only the GPT-2, Llama-3 and Qwen2 regexes are)");
  EXPECT_EQ(failure(tokenizerJson(kModel, "null", R"({"type": "NFKC"})")),
            "dir/tokenizer.json: normalizer: normalizer type 'NFKC' is not "
            "supported (Sequence, Prepend, Replace and NFC are)");
  EXPECT_EQ(failure(tokenizerJson(kModel, "null",
                                  R"({"type": "Replace", "pattern":
                                      {"Regex": " +"}, "content": " "})")),
            "dir/tokenizer.json: normalizer Replace: pattern {\"Regex\":\" "
            "+\"} is not supported (only {\"String\": ...})");
  EXPECT_EQ(failure(tokenizerJson(kModel, "null", "null",
                                  R"({"type": "WordPiece"})")),
            "dir/tokenizer.json: decoder: decoder type 'WordPiece' is not "
            "supported (Sequence, ByteLevel, Replace, ByteFallback, Fuse, "
            "Strip and Metaspace are)");
  EXPECT_EQ(failure(tokenizerJson(kModel, R"({"add_prefix_space": true})")),
            "dir/tokenizer.json: pre_tokenizer: missing key 'type'");
}

TEST(TokenizerErrors, SequenceWithoutItsList) {
  EXPECT_EQ(failure(tokenizerJson(kModel, R"({"type": "Sequence"})")),
            "dir/tokenizer.json: pre_tokenizer: missing key 'pretokenizers'");
  EXPECT_EQ(failure(tokenizerJson(kModel, "null",
                                  R"({"type": "Sequence", "normalizers": 3})")),
            "dir/tokenizer.json: normalizer: missing key 'normalizers'");
  EXPECT_EQ(
      failure(tokenizerJson(kModel, "null", "null", R"({"type": "Sequence"})")),
      "dir/tokenizer.json: decoder: missing key 'decoders'");
}

TEST(TokenizerErrors, BadAddedTokens) {
  std::string json = tokenizerJson(kModel);
  json.replace(json.find("\"added_tokens\": []"), 18,
               R"("added_tokens": [{"content": "<s>"}])");
  EXPECT_EQ(failure(json),
            "dir/tokenizer.json: added_tokens[0]: missing or invalid 'id'");
}

} // namespace
