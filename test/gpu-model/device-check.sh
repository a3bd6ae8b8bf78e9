#!/usr/bin/env bash
# The GPU model check in one device call (see the device tool's README):
#
#   prepare (here):  test/gpu-model/device-check.sh prepare
#   run (device):    run(command="test/gpu-model/device-check.sh run",
#                        carry=[".gpu-carry/model", ".gpu-carry/model-bin"])
#
# Runs the GPU forward tests, gptq-run ppl on the whole heldout.txt, the
# logits comparison with transformers, a generation, and bench on the tiny
# and on a Llama-2-7B-shaped model; logs go to $OUT.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
case "${1:-}" in
prepare)
  build="${BUILD_DIR:-$root/build-model}"
  ninja -C "$build" gptq-run GpuForwardTests ModelTests >/dev/null || exit 1
  rm -rf "$root/.gpu-carry/model" "$root/.gpu-carry/model-bin"
  mkdir -p "$root/.gpu-carry/model-bin"
  cp -r "$root/../shared/testdata/tiny-llama-bytes" "$root/.gpu-carry/model"
  chmod -R u+w "$root/.gpu-carry/model"
  cp "$build/tools/gptq-run/gptq-run" \
     "$build/test/gpu-model/GpuForwardTests" "$root/.gpu-carry/model-bin/"
  strip "$root/.gpu-carry/model-bin/"*
  du -sh "$root/.gpu-carry/model" "$root/.gpu-carry/model-bin"
  ;;
run)
  out="${OUT:-/tmp/model-check}"
  mkdir -p "$out"
  model="$root/.gpu-carry/model"
  bin="$root/.gpu-carry/model-bin"
  # The test binary looks for the fixture where the build machine keeps it.
  mkdir -p /work/shared/testdata
  [ -e /work/shared/testdata/tiny-llama-bytes ] ||
    ln -s "$model" /work/shared/testdata/tiny-llama-bytes
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  status=0
  timeout 120 "$bin/GpuForwardTests" 2>&1 | tee "$out/gpu-tests.log" |
    grep -E "relative error|perplexity|qmm|OK|FAILED|PASSED|Failure|SKIP|Expected|Which is|actual" || status=1
  echo "== ppl (full heldout.txt)"
  timeout 120 "$bin/gptq-run" ppl --model "$model" --text "$model/heldout.txt" \
    --device cuda --dump-logits "$out/logits.bin" 2>&1 | tee "$out/ppl.log" || status=1
  echo "== transformers comparison"
  PYTHONUNBUFFERED=1 timeout 120 python3 "$root/test/python/compare_logits.py" \
    --model "$model" --text "$model/heldout.txt" --logits "$out/logits.bin" \
    2>&1 | grep -v Warning | tee "$out/compare.log" || status=1
  rm -f "$out/logits.bin"
  echo "== generate"
  timeout 60 "$bin/gptq-run" generate --model "$model" --device cuda \
    --prompt "def parse_args(argv):" --max-new-tokens 200 2>&1 | tail -4
  echo "== bench tiny"
  timeout 60 "$bin/gptq-run" bench --config "$model/config.json" --bits 4 \
    --batch 1,8,32 --prompt-len 512 --gen-len 128 2>&1 | tee "$out/bench-tiny.log"
  echo "== bench llama-2-7b shape, 4-bit g128 and fp16"
  for bits in 4 16; do
    timeout 150 "$bin/gptq-run" bench --config "$root/tools/gptq-run/configs/llama-2-7b.json" \
      --bits $bits --batch ${BENCH_BATCHES:-1,8} --prompt-len 512 --gen-len 64 \
      --repeats 2 2>&1 | tee "$out/bench-7b-$bits.log"
  done
  exit $status
  ;;
*)
  echo "usage: $0 prepare|run" >&2
  exit 2
  ;;
esac
