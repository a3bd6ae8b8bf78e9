# The lit suite (test/**/*.mlir, FileCheck), registered with CTest as `lit`.
find_program(GPTQ_LIT lit HINTS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
find_program(GPTQ_FILECHECK FileCheck HINTS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)

configure_file(${PROJECT_SOURCE_DIR}/test/lit.site.cfg.py.in
  ${PROJECT_BINARY_DIR}/test/lit.site.cfg.py @ONLY)

set(GPTQ_LIT_DEPENDS gptq-opt)
if(TARGET gptq-quantize)
  list(APPEND GPTQ_LIT_DEPENDS gptq-quantize)
endif()

add_custom_target(check-lit
  COMMAND ${GPTQ_LIT} -sv ${PROJECT_BINARY_DIR}/test
  DEPENDS ${GPTQ_LIT_DEPENDS}
  USES_TERMINAL)

add_test(NAME lit COMMAND ${GPTQ_LIT} -v ${PROJECT_BINARY_DIR}/test)
set_tests_properties(lit PROPERTIES LABELS "unit;lit")
