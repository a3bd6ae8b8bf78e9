# Helpers for registering tests with CTest.
#
#   gptq_add_unit_test(NAME SOURCES a.cpp b.cpp LIBS lib1 lib2 [LABELS gpu])
#
# builds a GoogleTest executable and registers it. Tests labelled `gpu` need a
# CUDA device; they print why and skip (GTEST_SKIP) where there is none.
find_package(GTest REQUIRED)

# The shared test data (golden GPTQ results, the tiny model) sits beside the
# checkout, as on the CI machines.
set(GPTQ_TESTDATA_DIR "${PROJECT_SOURCE_DIR}/../shared/testdata"
  CACHE PATH "Folder holding gptq_golden_public.safetensors and tiny-llama-bytes/")

function(gptq_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main
    GPTQSupport ${ARG_LIBS})
  target_link_options(${name} PRIVATE ${GPTQ_EXE_LINK_FLAGS})
  target_compile_definitions(${name} PRIVATE
    GPTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    GPTQ_TESTDATA_DIR="${GPTQ_TESTDATA_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  if(ARG_LABELS)
    # A GPU test binary skips all its tests where no device is present; CTest
    # then reports it as skipped rather than passed.
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}"
      SKIP_REGULAR_EXPRESSION "No CUDA device")
  else()
    set_tests_properties(${name} PROPERTIES LABELS unit)
  endif()
endfunction()
