# Language level, warnings, ccache and sanitizers for every target of the project.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

# Project-wide warning flags; applied per target through asistencia_warnings.
add_library(asistencia_warnings INTERFACE)
target_compile_options(asistencia_warnings INTERFACE -Wall -Wextra -Wpedantic)
# The test build (scripts/test) fails on any warning, so none accumulates; a plain build
# (scripts/run, a packager's newer compiler) only reports them.
if(ASISTENCIA_WERROR)
  target_compile_options(asistencia_warnings INTERFACE -Werror)
endif()

if(ASISTENCIA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer build (clang only): every library gets coverage instrumentation; the
# fuzz targets themselves link the fuzzer runtime (see add_asistencia_fuzzer).
if(ASISTENCIA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ASISTENCIA_FUZZ needs clang: CC=clang CXX=clang++ cmake ...")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
