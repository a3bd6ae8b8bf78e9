# lit configuration for the qmm dialect, passes and CUDA emission tests.
import os
import shutil
import subprocess

import lit.formats

config.name = "gptq-toolkit"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.gptq_binary_dir, "test")
# Unit, GPU and Python tests are run by CTest directly, not by lit.
config.excludes = ["unit", "gpu", "python", "CMakeLists.txt", "lit.cfg.py"]

config.environment["PATH"] = os.pathsep.join(
    [
        config.gptq_tools_dir,
        os.path.join(config.gptq_binary_dir, "tools", "gptq-quantize"),
        os.path.join(config.gptq_binary_dir, "tools", "gptq-tune"),
        config.llvm_tools_dir,
        config.environment.get("PATH", ""),
    ]
)
# Kernel caches written by tests stay inside the build tree.
config.environment["GPTQ_KERNEL_CACHE_DIR"] = os.path.join(config.test_exec_root, "kernel-cache")
config.substitutions.append(("%examples", os.path.join(config.gptq_source_dir, "examples")))
# The shared golden data (gptq_golden_public.safetensors, tiny-llama-bytes/).
config.substitutions.append(("%testdata", config.gptq_testdata_dir))

# Some tool tests check outputs with python3 + safetensors + numpy
# (scripts/install-deps); they declare `REQUIRES: python-safetensors`.
if shutil.which("python3") and subprocess.call(
    ["python3", "-c", "import numpy, safetensors"],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
) == 0:
    config.available_features.add("python-safetensors")
