#!/usr/bin/env bash
# The gptq-quantize GPU check in one device call (see the device tool's
# README): quantizes tiny-llama-bytes with --device cuda (128 windows of 512
# bytes of calibration.txt, true-sequential) at 4-bit g128, 3-bit g128 and
# 2-bit g64, with and without desc-act and as round-to-nearest, and measures
# each result's perplexity on heldout.txt with gptq-run.
#
#   prepare (here):  tools/gptq-quantize/device-check.sh prepare
#   run (device):    run(command="tools/gptq-quantize/device-check.sh run",
#                        carry=[".gpu-carry/quant"])
#   timing (device): run(command="tools/gptq-quantize/device-check.sh timing",
#                        carry=[".gpu-carry/quant"])
# `timing` quantizes at the issue's setting (4-bit g128 desc-act,
# true-sequential, 128 x 512) three times with --timing, so the first run's
# kernel compilation and CUDA start-up show apart from the steady state,
# then once with --save-interval 0 (a resume record after every layer, as
# before batching) to show what resumability costs per layer.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
stage="$root/.gpu-carry/quant"
case "${1:-}" in
prepare)
  build="${BUILD_DIR:-$root/build-pipeline}"
  ninja -C "$build" gptq-quantize gptq-run >/dev/null || exit 1
  rm -rf "$stage" && mkdir -p "$stage/bin"
  cp -r "$root/../shared/testdata/tiny-llama-bytes" "$stage/model"
  chmod -R u+w "$stage/model"
  cp "$build/tools/gptq-quantize/gptq-quantize" \
     "$build/tools/gptq-run/gptq-run" "$stage/bin/"
  strip "$stage/bin/"*
  du -sh "$stage"
  ;;
run)
  out="${OUT:-/tmp/quant-check}"
  work=/tmp/quant-check-work
  rm -rf "$work" && mkdir -p "$out" "$work"
  export GPTQ_KERNEL_CACHE_DIR="$work/kernel-cache"
  model="$stage/model"
  bin="$stage/bin"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  ppl() {
    timeout 60 "$bin/gptq-run" ppl --model "$1" --text "$model/heldout.txt" \
      --device cuda 2>&1 | grep -E "perplexity|error"
  }
  echo "fp16: $(ppl "$model")"
  status=0
  for setting in "4 128 --desc-act" "4 128" "4 128 --rtn" \
                 "3 128 --desc-act" "3 128" "3 128 --rtn" \
                 "2 64 --desc-act" "2 64" "2 64 --rtn"; do
    set -- $setting
    bits=$1 group=$2 extra="${3:-}"
    name="b${bits}-g${group}${extra//-/_}"
    calib=(--calib "$model/calibration.txt" --nsamples 128 --seqlen 512
           --true-sequential)
    [ "$extra" = "--rtn" ] && calib=()
    start=$(date +%s.%N)
    timeout 60 "$bin/gptq-quantize" model --model "$model" "${calib[@]}" \
      --bits "$bits" --group-size "$group" $extra --device cuda \
      -o "$work/$name" >"$out/$name.log" 2>&1 || { status=1; cat "$out/$name.log"; }
    end=$(date +%s.%N)
    wall=$(awk "BEGIN{printf \"%.3f\", $end - $start}")
    echo "$name: process wall ${wall} s; $(grep quantized "$out/$name.log")"
    echo "$name: $(ppl "$work/$name")"
  done
  cat "$out/b4-g128__desc_act.log"
  exit $status
  ;;
timing)
  out="${OUT:-/tmp/quant-timing}"
  work=/tmp/quant-timing-work
  rm -rf "$work" && mkdir -p "$out" "$work"
  export GPTQ_KERNEL_CACHE_DIR="$work/kernel-cache"
  model="$stage/model"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  for run in 1 2 3 save-every-layer; do
    extra=()
    [ "$run" = save-every-layer ] && extra=(--save-interval 0)
    start=$(date +%s.%N)
    timeout 120 "$stage/bin/gptq-quantize" model --model "$model" \
      --calib "$model/calibration.txt" --nsamples 128 --seqlen 512 \
      --bits 4 --group-size 128 --desc-act --true-sequential --device cuda \
      --timing "${extra[@]}" -o "$work/run-$run" >"$out/run-$run.log" 2>&1
    code=$?
    end=$(date +%s.%N)
    echo "== run $run: exit $code, process wall $(awk "BEGIN{printf \"%.3f\", $end - $start}") s"
    cat "$out/run-$run.log"
  done
  ;;
*)
  echo "usage: $0 prepare|run|timing" >&2
  exit 2
  ;;
esac
