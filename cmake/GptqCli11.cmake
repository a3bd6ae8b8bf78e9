# gptq_target_use_cli11(TARGET): CLI11 (header-only) for TARGET's command
# line. Debian's libcli11-dev ships a CMake config; other installs may only
# have the header.
function(gptq_target_use_cli11 target)
  find_package(CLI11 CONFIG QUIET)
  if(TARGET CLI11::CLI11)
    target_link_libraries(${target} PRIVATE CLI11::CLI11)
  else()
    find_path(GPTQ_CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
    target_include_directories(${target} PRIVATE ${GPTQ_CLI11_INCLUDE_DIR})
  endif()
endfunction()
