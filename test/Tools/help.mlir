// The driver lists the qmm passes, the pipeline and the output options.
// RUN: gptq-opt --help | FileCheck %s
// CHECK: OVERVIEW: gptq-opt
// CHECK-DAG: --arch=<string>
// CHECK-DAG: --emit=<value>
// CHECK-DAG: --summary
// CHECK-DAG: --convert-qmm-to-cuda
// CHECK-DAG: --qmm-fuse-dequant-matmul
// CHECK-DAG: --qmm-select-tile
// CHECK-DAG: --qmm-tile
// CHECK-DAG: --qmm-lower-to-cuda
