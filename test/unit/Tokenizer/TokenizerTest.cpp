//===- TokenizerTest.cpp - Ids against the reference tokenizers -----------===//
//
// The fixtures under data/ and the expected ids in ReferenceIds.inc were
// produced together by data/make_fixtures.py with the Python reference
// implementations (tokenizers==0.23.3, sentencepiece==0.2.3; the versions
// are also written at the top of ReferenceIds.inc). Nothing here needs
// Python or the network.
//
//===----------------------------------------------------------------------===//

#include "gptq/Tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

using namespace gptq;
using namespace gptq::tokenizer;

namespace {

struct ReferenceIds {
  const char *fixture;
  const char *text;
  std::vector<int32_t> ids;
  bool refused;
  const char *decoded;
};

const ReferenceIds kReferenceIds[] = {
#include "ReferenceIds.inc"
};

std::string fixtureDir(const std::string &name) {
  return std::string(GPTQ_TOKENIZER_DATA_DIR) + "/" + name;
}

/// The fixture's tokenizer, loaded once per test binary.
const Tokenizer *fixture(const std::string &name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    Expected<std::unique_ptr<Tokenizer>> loaded =
        loadTokenizer(fixtureDir(name));
    EXPECT_TRUE(loaded) << loaded.message();
    it = cache.emplace(name, loaded ? loaded.take() : nullptr).first;
  }
  return it->second.get();
}

bool skipFixture(const std::string &name) {
  return name == "spm" && !haveSentencePiece();
}

TEST(Tokenizer, IdsMatchTheReference) {
  if (!haveSentencePiece())
    std::printf("built without sentencepiece: the spm fixture is skipped\n");
  int checked = 0;
  for (const ReferenceIds &reference : kReferenceIds) {
    if (skipFixture(reference.fixture))
      continue;
    const Tokenizer *tokenizer = fixture(reference.fixture);
    ASSERT_NE(tokenizer, nullptr);
    Expected<std::vector<int32_t>> ids = tokenizer->encode(reference.text);
    if (reference.refused) {
      ASSERT_FALSE(ids) << reference.fixture << ": '" << reference.text << "'";
      EXPECT_NE(ids.message().find("normalizer NFC"), std::string::npos)
          << ids.message();
      continue;
    }
    ASSERT_TRUE(ids) << reference.fixture << ": " << ids.message();
    EXPECT_EQ(*ids, reference.ids)
        << reference.fixture << ": '" << reference.text << "'";
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(Tokenizer, DecodeMatchesTheReference) {
  for (const ReferenceIds &reference : kReferenceIds) {
    if (skipFixture(reference.fixture))
      continue;
    Expected<std::string> text =
        fixture(reference.fixture)->decode(reference.ids);
    ASSERT_TRUE(text) << text.message();
    EXPECT_EQ(*text, reference.decoded)
        << reference.fixture << ": '" << reference.text << "'";
  }
}

TEST(Tokenizer, RoundTrip) {
  // decode(encode(s)) == s wherever the reference round-trips too (the
  // Metaspace "first" decoder drops a leading space, for one).
  int checked = 0;
  for (const ReferenceIds &reference : kReferenceIds) {
    if (skipFixture(reference.fixture) || reference.refused ||
        std::string(reference.text) != reference.decoded)
      continue;
    const Tokenizer *tokenizer = fixture(reference.fixture);
    Expected<std::vector<int32_t>> ids = tokenizer->encode(reference.text);
    ASSERT_TRUE(ids) << ids.message();
    Expected<std::string> text = tokenizer->decode(*ids);
    ASSERT_TRUE(text) << text.message();
    EXPECT_EQ(*text, reference.text) << reference.fixture;
    ++checked;
  }
  EXPECT_GT(checked, 80);
}

TEST(Tokenizer, ByteLevelBpeRoundTripsArbitraryText) {
  // Every byte has a token, so any UTF-8 text comes back unchanged.
  std::string text;
  for (int c = 1; c < 0x250; c += 3)
    text += c < 0x80
                ? std::string(1, char(c))
                : std::string{char(0xC0 | (c >> 6)), char(0x80 | (c & 0x3F))};
  text += " \t\n\r\n  end  ";
  for (const char *name : {"gpt2-bpe", "llama3-bpe", "sp-bpe"}) {
    Expected<std::vector<int32_t>> ids = fixture(name)->encode(text);
    ASSERT_TRUE(ids) << ids.message();
    Expected<std::string> back = fixture(name)->decode(*ids);
    ASSERT_TRUE(back) << back.message();
    EXPECT_EQ(*back, text) << name;
  }
}

TEST(Tokenizer, CutCharacterDecodesAsReplacement) {
  // "日" is three byte tokens in these fixtures; its first two alone are
  // not a character.
  const Tokenizer *bpe = fixture("gpt2-bpe");
  Expected<std::vector<int32_t>> ids = bpe->encode("\xe6\x97\xa5");
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids->size(), 3u);
  Expected<std::string> text = bpe->decode({(*ids)[0], (*ids)[1]});
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "\xEF\xBF\xBD");
  // ByteFallback: one U+FFFD per byte token of an invalid run.
  const Tokenizer *sp = fixture("sp-bpe");
  Expected<std::vector<int32_t>> spIds = sp->encode("\xe6\x97\xa5");
  ASSERT_TRUE(spIds);
  ASSERT_EQ(spIds->size(), 4u); // "▁" and three byte tokens
  text = sp->decode({(*spIds)[1], (*spIds)[2]});
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Tokenizer, SpecialTokensAndBos) {
  const Tokenizer *llama3 = fixture("llama3-bpe");
  ASSERT_TRUE(llama3->specials().bos);
  EXPECT_EQ(*llama3->tokenId("<|begin_of_text|>"), *llama3->specials().bos);
  EXPECT_TRUE(llama3->specials().addBos);
  Expected<std::vector<int32_t>> sequence = llama3->encodeSequence("Hello");
  ASSERT_TRUE(sequence);
  EXPECT_EQ(sequence->front(), *llama3->specials().bos);
  EXPECT_EQ(sequence->size(), llama3->encode("Hello")->size() + 1);

  const Tokenizer *sp = fixture("sp-bpe");
  EXPECT_EQ(sp->specials().bos, std::optional<int32_t>(1)); // "<s>"
  EXPECT_TRUE(sp->specials().addBos);

  // GPT-2 style: no template, so no BOS; nothing names an EOS.
  const Tokenizer *gpt2 = fixture("gpt2-bpe");
  EXPECT_FALSE(gpt2->specials().addBos);
  EXPECT_FALSE(gpt2->specials().eos);
  EXPECT_EQ(gpt2->vocabSize(), 301);
  EXPECT_EQ(*gpt2->tokenId("<|endoftext|>"), 0);
}

TEST(Tokenizer, SpecialTokensFromConfigFiles) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "gptq-tokenizer-config";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fixtureDir("gpt2-bpe") + "/tokenizer.json",
                dir / "tokenizer.json");
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"eos_token": {"content": "<|endoftext|>"}, "bos_token": null})";
  std::ofstream(dir / "config.json")
      << R"({"vocab_size": 301, "bos_token_id": [7, 8], "eos_token_id": 5})";
  Expected<std::unique_ptr<Tokenizer>> loaded = loadTokenizer(dir.string());
  ASSERT_TRUE(loaded) << loaded.message();
  // tokenizer_config.json wins over config.json; config.json fills gaps.
  EXPECT_EQ((*loaded)->specials().eos, std::optional<int32_t>(0));
  EXPECT_EQ((*loaded)->specials().bos, std::optional<int32_t>(7));
  EXPECT_FALSE((*loaded)->specials().addBos);

  std::ofstream(dir / "tokenizer_config.json")
      << R"({"bos_token": "<|endoftext|>", "add_bos_token": true})";
  loaded = loadTokenizer(dir.string());
  ASSERT_TRUE(loaded) << loaded.message();
  EXPECT_EQ((*loaded)->specials().bos, std::optional<int32_t>(0));
  EXPECT_TRUE((*loaded)->specials().addBos);
  fs::remove_all(dir);
}

TEST(Tokenizer, SentencePieceModel) {
  if (!haveSentencePiece())
    GTEST_SKIP() << "built without sentencepiece";
  const Tokenizer *spm = fixture("spm");
  EXPECT_EQ(spm->vocabSize(), 320);
  EXPECT_EQ(spm->specials().bos, std::optional<int32_t>(1));
  EXPECT_EQ(spm->specials().eos, std::optional<int32_t>(2));
  EXPECT_TRUE(spm->specials().addBos);
  EXPECT_EQ(*spm->tokenId("<s>"), 1);
  EXPECT_FALSE(spm->tokenId("no such piece"));
  EXPECT_NE(spm->describe().find("sentencepiece"), std::string::npos);
}

TEST(Tokenizer, ByteLevelModelKeepsTodaysTokens) {
  const std::string dir = std::string(GPTQ_TESTDATA_DIR) + "/tiny-llama-bytes";
  if (!std::filesystem::exists(dir + "/config.json"))
    GTEST_SKIP() << dir << " is absent";
  Expected<std::unique_ptr<Tokenizer>> loaded = loadTokenizer(dir);
  ASSERT_TRUE(loaded) << loaded.message();
  const Tokenizer &bytes = **loaded;
  EXPECT_EQ(bytes.vocabSize(), 256);
  EXPECT_FALSE(bytes.specials().bos); // config.json: bos_token_id null
  EXPECT_FALSE(bytes.specials().eos);
  const std::string text = "caf\xc3\xa9\n\x01\xff";
  Expected<std::vector<int32_t>> ids = bytes.encodeSequence(text);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<int32_t>{99, 97, 102, 195, 169, 10, 1, 255}));
  EXPECT_EQ(*bytes.decode(*ids), text);
  EXPECT_FALSE(bytes.decode({256}));
}

TEST(Tokenizer, LongTextWithoutPreTokenizerIsFast) {
  // sentencepiece-style BPE has no pre-tokenizer: the whole text is one
  // word, which the priority-queue merge handles in O(n log n).
  std::string text;
  while (text.size() < 400000)
    text += "The quick brown fox jumps over the lazy dog. Hello there! ";
  Expected<std::vector<int32_t>> ids = fixture("sp-bpe")->encode(text);
  ASSERT_TRUE(ids) << ids.message();
  EXPECT_LT(ids->size(), text.size());
  EXPECT_EQ(*fixture("sp-bpe")->decode(*ids), text);
}

} // namespace
