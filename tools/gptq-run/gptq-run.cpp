//===- gptq-run.cpp - Run, score and benchmark GPTQ models ----------------===//
//
// The user-facing runner (DESIGN.md, job 3): `ppl` and `generate` on a
// checkpoint directory (fp16/bf16 or GPTQ, ours or AutoGPTQ's), `bench` on a
// random-weight model of any config so large shapes can be timed without
// their weights. Every failure is one line on stderr and a non-zero exit.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace gptq::run;

int main(int argc, char **argv) {
  CLI::App app{"gptq-run: generate, perplexity and benchmarks for GPTQ models"};
  app.require_subcommand(1);

  PplOptions ppl;
  CLI::App *pplCmd = app.add_subcommand(
      "ppl", "perplexity on non-overlapping windows of a text file");
  pplCmd->add_option("--model", ppl.model, "model directory")->required();
  pplCmd
      ->add_option("--text", ppl.text,
                   "text file (tokenized by the model's tokenizer)")
      ->required();
  pplCmd->add_option("--window", ppl.window, "window length in tokens")
      ->capture_default_str();
  pplCmd->add_option("--max-windows", ppl.maxWindows, "0: all windows")
      ->capture_default_str();
  pplCmd->add_option("--device", ppl.device, "cpu or cuda")
      ->capture_default_str();
  pplCmd->add_option("--batch", ppl.batch,
                     "windows per forward (0: 1 on cpu, 16 on cuda)");
  pplCmd->add_option("--threads", ppl.threads, "CPU threads (0: all)");
  pplCmd->add_option("--dump-logits", ppl.dumpLogits,
                     "write the first window's logits (fp32 [window][vocab])");

  GenerateOptions gen;
  CLI::App *genCmd = app.add_subcommand("generate", "continue a prompt");
  genCmd->add_option("--model", gen.model, "model directory")->required();
  genCmd->add_option("--prompt", gen.prompt, "prompt text")->required();
  genCmd->add_option("--max-new-tokens", gen.maxNewTokens)
      ->capture_default_str();
  genCmd->add_option("--temperature", gen.temperature, "0: greedy")
      ->capture_default_str();
  genCmd->add_option("--top-p", gen.topP)->capture_default_str();
  genCmd->add_option("--seed", gen.seed)->capture_default_str();
  genCmd->add_option("--device", gen.device, "cpu or cuda")
      ->capture_default_str();
  genCmd->add_option("--threads", gen.threads, "CPU threads (0: all)");

  BenchOptions bench;
  CLI::App *benchCmd = app.add_subcommand(
      "bench", "prefill/decode tokens/s of a random-weight model (GPU)");
  benchCmd->add_option("--config", bench.config, "config.json")->required();
  benchCmd->add_option("--bits", bench.bits, "GPTQ bits; 16: fp16 weights")
      ->capture_default_str();
  benchCmd->add_option("--group-size", bench.groupSize)->capture_default_str();
  benchCmd->add_flag("--act-order", bench.actOrder, "random g_idx");
  benchCmd->add_option("--batch", bench.batches, "batch sizes")
      ->delimiter(',')
      ->capture_default_str();
  benchCmd->add_option("--prompt-len", bench.promptLen)->capture_default_str();
  benchCmd->add_option("--gen-len", bench.genLen)->capture_default_str();
  benchCmd->add_option("--repeats", bench.repeats, "timed runs (median)")
      ->capture_default_str();
  benchCmd->add_flag(
      "--no-dense", bench.noDense,
      "prefill of 512+ rows (2048+ on sm_90a 4-bit TMA tiles, 256+ "
      "with act-order) on the "
      "generated kernels instead of dequantize + cuBLAS");
  benchCmd->add_flag("--no-join", bench.noJoin,
                     "run q, k, v and gate, up as separate linears instead "
                     "of one joined linear each");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    return app.exit(error);
  }

  gptq::Status status = gptq::Status::success();
  if (*pplCmd)
    status = runPpl(ppl);
  else if (*genCmd)
    status = runGenerate(gen);
  else
    status = runBench(bench);
  if (!status.ok()) {
    std::fprintf(stderr, "gptq-run: error: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
