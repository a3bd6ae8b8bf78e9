// Bad command lines and inputs end with one clear message and a non-zero
// exit, never a crash.
// RUN: not gptq-opt %S/does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: gptq-opt: cannot open input file '{{.*}}does-not-exist.mlir': No such file or directory

// RUN: not gptq-opt %s --emit=bogus 2>&1 | FileCheck %s --check-prefix=EMIT
// EMIT: Cannot find option named 'bogus'!

// RUN: not gptq-opt %s -no-such-pass 2>&1 | FileCheck %s --check-prefix=PASS
// PASS: Unknown command line argument '-no-such-pass'

// RUN: not gptq-opt %s -qmm-select-tile=arch 2>&1 | FileCheck %s --check-prefix=OPTION
// OPTION: error

// RUN: not gptq-opt %examples/llama2-7b-w4g128.mlir --emit=ptx --arch=sm_7x -o %t.ptx 2>&1 | FileCheck %s --check-prefix=ARCH
// ARCH: error: NVRTC could not compile {{.*}} for sm_7x
// ARCH: invalid value for --gpu-architecture

// RUN: not gptq-opt %s -split-input-file 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: error: unregistered operation 'qmm.bogus' found in dialect ('qmm')
func.func @f() {
  %0 = "qmm.bogus"() : () -> i32
  return
}
