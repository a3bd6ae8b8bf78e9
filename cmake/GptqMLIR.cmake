# Finds Debian's LLVM/MLIR 22 and, with GPTQ_STATIC_LLVM, rewrites the
# imported MLIR targets so executables link LLVM statically instead of the
# 150 MB libLLVM.so, which the GPU machine does not have (DEVICE.md).
find_package(MLIR REQUIRED CONFIG HINTS /usr/lib/llvm-22/lib/cmake/mlir)
if(NOT LLVM_VERSION_MAJOR EQUAL 22)
  message(FATAL_ERROR "MLIR 22 is required, found ${LLVM_PACKAGE_VERSION} "
    "in ${MLIR_DIR} (install libmlir-22-dev: scripts/install-deps)")
endif()
message(STATUS "Using MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")

list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
include(TableGen)
include(AddLLVM)
include(AddMLIR)

if(GPTQ_STATIC_LLVM)
  find_package(zstd QUIET) # LLVMSupport's interface names it
  llvm_map_components_to_libnames(GPTQ_LLVM_STATIC_LIBS
    support core remarks bitstreamreader)
  get_directory_property(gptq_imported IMPORTED_TARGETS)
  foreach(target ${gptq_imported})
    get_target_property(libs ${target} INTERFACE_LINK_LIBRARIES)
    if(libs)
      list(TRANSFORM libs REPLACE "^LLVM$" "${GPTQ_LLVM_STATIC_LIBS}")
      list(TRANSFORM libs REPLACE "^zstd::libzstd_shared$" "zstd")
      set_target_properties(${target} PROPERTIES
        INTERFACE_LINK_LIBRARIES "${libs}")
    endif()
  endforeach()
endif()

# Include directories and definitions for code that uses MLIR. Applied per
# target (gptq_mlir_target) rather than globally: LLVM's global flags
# (-fno-exceptions among them) must not reach the non-MLIR libraries.
set(GPTQ_MLIR_INCLUDE_DIRS ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS}
  ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/dialects)
separate_arguments(GPTQ_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")

function(gptq_mlir_target target)
  target_include_directories(${target} SYSTEM PUBLIC ${LLVM_INCLUDE_DIRS}
    ${MLIR_INCLUDE_DIRS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_BINARY_DIR}/dialects)
  target_compile_definitions(${target} PUBLIC ${GPTQ_LLVM_DEFINITIONS})
endfunction()
