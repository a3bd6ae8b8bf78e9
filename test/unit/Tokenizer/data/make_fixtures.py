#!/usr/bin/env python3
"""Builds the tokenizer fixtures in this folder and ReferenceIds.inc.

Test-only helper: needs `pip install tokenizers sentencepiece` (the C++
product never uses Python). The committed outputs were produced with
tokenizers==0.23.3 and sentencepiece==0.2.3 by running

    python3 test/unit/Tokenizer/data/make_fixtures.py

from the repository root. Training is deterministic for a fixed library
version, but the test only relies on the committed files: rerunning the script
with other versions may change the fixtures and the expected ids together.

Fixtures (each a folder holding what a model directory would hold):
  gpt2-bpe/      byte-level BPE, GPT-2 regex (ByteLevel use_regex), merges as
                 "a b" strings, a special and a non-special added token
  llama3-bpe/    the same vocabulary with Llama-3's Split regex + ByteLevel
                 without regex, merges as [a, b] pairs, ignore_merges, a BOS
                 template
  qwen2-bpe/     the same vocabulary with Qwen2's Split regex and NFC
  sp-bpe/        sentencepiece-style BPE in tokenizer.json: Prepend + Replace
                 normalizer, byte_fallback <0xNN> tokens, Llama's decoder
  metaspace-bpe/ the sp-bpe model with the Metaspace pre-tokenizer/decoder
  spm/           tokenizer.model, a sentencepiece BPE model with byte fallback
"""
import io
import json
import os
import unicodedata

import sentencepiece as spm
import tokenizers
from tokenizers import (Regex, Tokenizer, decoders, models, normalizers,
                        pre_tokenizers, processors, trainers)

HERE = os.path.dirname(os.path.abspath(__file__))

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello world! Hello there, hello again.",
    "It's a test: we're testing the tokenizer's merges.",
    "Numbers 12345 and 2024-01-01 are here.",
    "the the the then there these those",
    "café naïve résumé",
    "def main():\n    return 0\n",
] * 3

# Strings whose ids the C++ test checks: ASCII, accents, CJK, emoji,
# digits, runs of spaces, newlines, contractions, added tokens.
STRINGS = [
    "Hello world",
    "Hello world! It's 12345 café.",
    "  leading spaces",
    "trailing spaces   ",
    "multiple   spaces\tand\ttabs",
    "line one\nline two\n\nline four\n",
    "crlf\r\n  indented\r\n",
    "naïve résumé über straße",
    "日本語のテキスト",
    "中文 测试，标点。",
    "emoji 🤗🚀 and 👍🏽!",
    "don’t stop — “quoted” text…",
    "1234567890 3.14159 1,000,000",
    "I'M YOU'RE WE'VE THEY'LL HE'D 'S",
    "it's we're they've I'm you'll he'd",
    "<|user|>hi<|endoftext|>",
    "text<|endoftext|>more <s>text</s>",
    "e\u0301 combining",
    "Ω≈ç√∫ symbols ±×÷ x²+y³=z½",
    "١٢٣ arabic digits ٤٥",
    " ",
    "x",
    "\n\n\n",
    "tabs\t\tend\t",
]


def write(folder, name, text):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "w", encoding="utf-8") as f:
        f.write(text)


def byte_level_base():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"], show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.add_tokens(["<|user|>"])
    return json.loads(tok.to_str())


LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"
                r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"
               r"\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def gpt2_style(base):
    j = json.loads(json.dumps(base))
    # The GPT-2 files spell merges as "a b" strings.
    j["model"]["merges"] = [" ".join(m) for m in j["model"]["merges"]]
    return j


def split_style(base, pattern, bos):
    tok = Tokenizer.from_str(json.dumps(base))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    if bos:
        tok.add_special_tokens([bos])
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
            special_tokens=[(bos, tok.token_to_id(bos))])
    j = json.loads(tok.to_str())
    return j


def sp_style(metaspace):
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True,
                               byte_fallback=True))
    if metaspace:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement="▁", prepend_scheme="first", split=False)
        tok.decoder = decoders.Metaspace(replacement="▁",
                                         prepend_scheme="first", split=False)
    else:
        tok.normalizer = normalizers.Sequence(
            [normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.decoder = decoders.Sequence([
            decoders.Replace("▁", " "), decoders.ByteFallback(),
            decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    trainer_vocab = 259 + 120
    trainer = trainers.BpeTrainer(
        vocab_size=trainer_vocab, special_tokens=["<unk>", "<s>", "</s>"] +
        [f"<0x{b:02X}>" for b in range(256)], show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B",
        special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return json.loads(tok.to_str())


def train_spm():
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 4), model_writer=model,
        model_type="bpe", vocab_size=320, byte_fallback=True,
        character_coverage=1.0, normalization_rule_name="identity",
        remove_extra_whitespaces=False, split_digits=True,
        minloglevel=2)
    return model.getvalue()


def cxx_string(s):
    out, after_hex = '"', False
    for b in s.encode("utf-8"):
        c = chr(b)
        if after_hex and c in "0123456789abcdefABCDEF":
            out += '""'  # a hex escape would swallow this digit
        after_hex = False
        if c == '"' or c == "\\":
            out += "\\" + c
        elif 32 <= b < 127:
            out += c
        else:
            out += f"\\x{b:02x}"
            after_hex = True
    return out + '"'


def main():
    base = byte_level_base()
    fixtures = {
        "gpt2-bpe": gpt2_style(base),
        "llama3-bpe": split_style(base, LLAMA3_SPLIT, "<|begin_of_text|>"),
        "qwen2-bpe": split_style(base, QWEN2_SPLIT, None),
        "sp-bpe": sp_style(metaspace=False),
        "metaspace-bpe": sp_style(metaspace=True),
    }
    fixtures["llama3-bpe"]["model"]["ignore_merges"] = True
    fixtures["qwen2-bpe"]["normalizer"] = {"type": "NFC"}
    for name, j in fixtures.items():
        write(name, "tokenizer.json",
              json.dumps(j, ensure_ascii=False) + "\n")
    os.makedirs(os.path.join(HERE, "spm"), exist_ok=True)
    with open(os.path.join(HERE, "spm", "tokenizer.model"), "wb") as f:
        f.write(train_spm())

    versions = (f"tokenizers=={tokenizers.__version__} and "
                f"sentencepiece=={spm.__version__}")
    lines = [
        "// Generated by make_fixtures.py: what the reference implementations,",
        f"// {versions}, give for each fixture and text.",
        "// {fixture, text, ids (no special tokens added), refused, decoded}:",
        "// `refused` marks a text our tokenizer must refuse (NFC of combining",
        "// marks is not implemented); `decoded` is the reference decode of the",
        "// ids (special tokens kept).",
    ]
    for name in fixtures:
        tok = Tokenizer.from_file(os.path.join(HERE, name, "tokenizer.json"))
        for s in STRINGS:
            ids = tok.encode(s, add_special_tokens=False).ids
            refused = name == "qwen2-bpe" and unicodedata.normalize(
                "NFC", s) != s
            decoded = tok.decode(ids, skip_special_tokens=False)
            lines.append(f'{{"{name}", {cxx_string(s)}, {{'
                         f'{", ".join(map(str, ids))}}}, '
                         f'{str(refused).lower()}, {cxx_string(decoded)}}},')
    sp = spm.SentencePieceProcessor(
        model_file=os.path.join(HERE, "spm", "tokenizer.model"))
    for s in STRINGS:
        ids = sp.encode(s)
        lines.append(f'{{"spm", {cxx_string(s)}, {{'
                     f'{", ".join(map(str, ids))}}}, false, '
                     f'{cxx_string(sp.decode(ids))}}},')
    with open(os.path.join(HERE, "..", "ReferenceIds.inc"), "w") as f:
        f.write("\n".join(lines) + "\n")

    # The regex splits on their own: {pattern, text, {pieces}}.
    lines = [
        "// Generated by make_fixtures.py: the pieces that",
        f"// tokenizers=={tokenizers.__version__}'s Split pre-tokenizer "
        "(Isolated) cuts",
        "// each text into, for the GPT-2, Llama-3 and Qwen2 regexes.",
    ]
    gpt2 = ("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+"
            "|\\s+(?!\\S)|\\s+")
    extra = ["a\u00a0b\u2003 c", "x  \n\t y", "A'S it'Ll 'x", "\u00bd\u2160 \u0661"]
    for pattern_name, pattern in [("Gpt2", gpt2), ("Llama3", LLAMA3_SPLIT),
                                  ("Qwen2", QWEN2_SPLIT)]:
        split = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
        for s in STRINGS + extra:
            pieces = [p for p, _ in split.pre_tokenize_str(s)]
            lines.append(f'{{SplitPattern::{pattern_name}, {cxx_string(s)}, {{'
                         f'{", ".join(cxx_string(p) for p in pieces)}}}}},')
    with open(os.path.join(HERE, "..", "ReferenceSplits.inc"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
