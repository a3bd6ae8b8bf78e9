#!/usr/bin/env bash
# GPU test of gptq-tune (ctest label `gpu`) and its device-machine wrapper.
#
#   gpu-test.sh check GPTQ_TUNE GPTQ_OPT WORKDIR
#       tunes one small shape (4096x4096, M = 1 and 256, 4 candidates each)
#       on the present GPU, checks that the written cache loads without a
#       warning and that gptq-opt --autotune-cache picks its tiles, then
#       tunes again into the same file and checks that an entry of another
#       GPU survived the merge; then that --nvrtc-option reaches NVRTC and
#       writes no cache. Prints "No CUDA device" and exits 0 (ctest
#       reports a skip) where there is no GPU.
#   gpu-test.sh prepare [BUILD_DIR]
#       on the development machine: stages stripped gptq-tune and gptq-opt
#       from BUILD_DIR (default build-tune/) with this script in
#       .gpu-carry/tune/ (compressed: the carry limit is 64 MiB).
#   gpu-test.sh run
#       on the GPU machine, from the repo root with .gpu-carry/tune carried:
#       unpacks and runs `check`; logs and caches go to $OUT.
set -euo pipefail
mode="${1:-}"
root="$(cd "$(dirname "$0")/../.." && pwd)"

check() {
  local tune="$1" opt="$2" work="$3"
  rm -rf "$work"
  mkdir -p "$work"
  export GPTQ_KERNEL_CACHE_DIR="${GPTQ_KERNEL_CACHE_DIR:-$work/kernels}"
  local cache="$work/cache.json"
  local status=0
  "$tune" --shapes 4096x4096 --m 1,256 --max-candidates 4 --reps 10 \
    --out "$cache" >"$work/tune.log" 2>&1 || status=$?
  cat "$work/tune.log"
  if grep -q "No CUDA device" "$work/tune.log"; then
    echo "No CUDA device: gptq-tune GPU test skipped"
    return 0
  fi
  [ "$status" -eq 0 ] || { echo "FAIL: gptq-tune exited with $status"; return 1; }

  # The tiles the cache chose, as #qmm.tile parameter text, and the arch.
  python3 - "$cache" >"$work/expected.txt" <<'PY'
import json, sys
cache = json.load(open(sys.argv[1]))
entries = {e["m_bucket"]: e for e in cache["entries"]}
assert sorted(entries) == [1, 256], sorted(entries)
print(entries[1]["gpu"]["arch"])
for bucket in (1, 256):
    t = entries[bucket]["tile"]
    # split_k is printed only when above its default of 1.
    split = f', split_k = {t["split_k"]}' if t.get("split_k", 1) > 1 else ''
    print(f'strategy = {t["strategy"]}, block_m = {t["block_m"]}, '
          f'block_n = {t["block_n"]}, block_k = {t["block_k"]}, '
          f'warps = {t["warps"]}, stages = {t["stages"]}{split}')
PY
  local arch
  arch="$(sed -n 1p "$work/expected.txt")"
  cat >"$work/input.mlir" <<'MLIR'
#l = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>
func.func @m1(%x: tensor<1x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<1x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<1x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}
func.func @m256(%x: tensor<256x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<256x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}
MLIR
  "$opt" "$work/input.mlir" -qmm-select-tile="arch=$arch autotune-cache=$cache" \
    >"$work/selected.mlir" 2>"$work/opt.err"
  if [ -s "$work/opt.err" ]; then
    cat "$work/opt.err"
    echo "FAIL: gptq-opt warned about the cache gptq-tune wrote"
    return 1
  fi
  grep -o 'tile = #qmm.tile<[^>]*>' "$work/selected.mlir" |
    sed 's/tile = #qmm.tile<//; s/>$//' >"$work/selected.txt"
  if ! diff <(sed 1d "$work/expected.txt") "$work/selected.txt"; then
    echo "FAIL: gptq-opt did not select the cached tiles"
    return 1
  fi
  # The lowering to CUDA and PTX accepts them too.
  "$opt" "$work/input.mlir" --emit=ptx --arch="$arch" --autotune-cache="$cache" \
    >/dev/null

  # Merge: an entry of another GPU survives a second tuning run.
  python3 - "$cache" <<'PY'
import json, sys
cache = json.load(open(sys.argv[1]))
other = json.loads(json.dumps(cache["entries"][0]))
other["gpu"] = {"name": "Some Other GPU", "arch": "sm_80", "driver": 12000}
cache["entries"].append(other)
json.dump(cache, open(sys.argv[1], "w"), indent=2)
PY
  "$tune" --shapes 4096x4096 --m 1 --max-candidates 2 --reps 10 \
    --out "$cache" >>"$work/tune.log" 2>&1
  python3 - "$cache" <<'PY'
import json, sys
entries = json.load(open(sys.argv[1]))["entries"]
names = sorted(e["gpu"]["name"] for e in entries)
assert len(entries) == 3 and "Some Other GPU" in names, names
PY
  # Experiments: --nvrtc-option reaches NVRTC (an option it does not know
  # fails every candidate's compilation) and such a run times the tiles but
  # writes no cache.
  "$tune" --shapes 4096x4096 --m 1 --max-candidates 2 --reps 10 \
    --nvrtc-option=-DQMM_ABLATE_E >"$work/experiment.log" 2>&1 ||
    { cat "$work/experiment.log"; echo "FAIL: gptq-tune --nvrtc-option"; return 1; }
  cat "$work/experiment.log"
  grep -q "^# NVRTC option -DQMM_ABLATE_E" "$work/experiment.log" &&
    grep -q "M=1 .* us" "$work/experiment.log" &&
    grep -q "^# no cache written" "$work/experiment.log" ||
    { echo "FAIL: gptq-tune --nvrtc-option did not time and skip the cache"; return 1; }
  "$tune" --shapes 4096x4096 --m 1 --max-candidates 1 --reps 10 \
    --nvrtc-option=--no-such-nvrtc-option >"$work/bad-option.log" 2>&1 || true
  grep -q "did not compile" "$work/bad-option.log" ||
    { cat "$work/bad-option.log"; echo "FAIL: the NVRTC option did not reach NVRTC"; return 1; }
  echo "PASS: gptq-tune wrote a cache that loads cleanly and gptq-opt uses"
}

case "$mode" in
check)
  check "$2" "$3" "$4"
  ;;
prepare)
  build="${2:-$root/build-tune}"
  carry="$root/.gpu-carry/tune"
  rm -rf "$carry"
  mkdir -p "$carry/bin"
  strip -o "$carry/bin/gptq-tune" "$build/tools/gptq-tune/gptq-tune"
  strip -o "$carry/bin/gptq-opt" "$build/tools/gptq-opt/gptq-opt"
  tar -C "$carry" -cJf "$carry/bin.tar.xz" bin
  rm -rf "$carry/bin"
  du -sh "$carry"
  echo "staged; now: device run 'tools/gptq-tune/gpu-test.sh run' with carry ['.gpu-carry/tune']"
  ;;
run)
  out="${OUT:-/tmp/gptq-tune-gpu-out}"
  mkdir -p "$out"
  bin="$(mktemp -d)"
  tar -C "$bin" -xJf "$root/.gpu-carry/tune/bin.tar.xz"
  nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$out/gpu.txt"
  check "$bin/bin/gptq-tune" "$bin/bin/gptq-opt" "$out/check"
  ;;
*)
  echo "usage: gpu-test.sh check GPTQ_TUNE GPTQ_OPT WORKDIR | prepare [BUILD_DIR] | run" >&2
  exit 2
  ;;
esac
