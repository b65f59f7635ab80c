# add_asistencia_test(NAME LABEL src... LIBS lib...)
# One GoogleTest executable per unit; LABEL is "unit" (pure code) or
# "integration" (needs the real services that scripts/test starts).
function(add_asistencia_test name label)
  cmake_parse_arguments(T "SHARED_VECTORS" "" "LIBS" ${ARGN})
  add_executable(${name} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${T_LIBS} asistencia_warnings GTest::gtest_main GTest::gmock)
  if(T_SHARED_VECTORS)
    # The published vectors are read in place (tests/support/shared_vectors.hpp): the path
    # is compiled in (test discovery runs the binary) and set in the tests' environment.
    target_compile_definitions(${name} PRIVATE ASISTENCIA_SHARED_VECTORS_DIR="${ASISTENCIA_SHARED_VECTORS}")
    set(env ENVIRONMENT "ASISTENCIA_VECTORS_DIR=${ASISTENCIA_SHARED_VECTORS}")
  endif()
  # A hung test fails after 5 minutes instead of holding CI until its global limit.
  gtest_discover_tests(${name} PROPERTIES LABELS ${label} TIMEOUT 300 ${env} DISCOVERY_TIMEOUT 60)
endfunction()

# add_blackbox_test(NAME src... LIBS lib...): an integration test that drives the server
# binary (ASISTENCIA_SERVER_BIN through tests/support/server_process.hpp) over loopback: the
# helpers of tests/support, and the server built before the test.
function(add_blackbox_test name)
  cmake_parse_arguments(B "" "" "LIBS" ${ARGN})
  add_asistencia_test(${name} integration ${B_UNPARSED_ARGUMENTS} LIBS ${B_LIBS} asistencia_test_helpers)
  # The server target is defined after tests/ in some configurations (fuzz build).
  if(TARGET asistencia-server)
    add_dependencies(${name} asistencia-server)
  endif()
endfunction()

# Published third-party vectors (W3C WebAuthn L3, py_webauthn, Wycheproof): CI checks out
# shared/ beside the repository.
get_filename_component(_asistencia_vectors "${PROJECT_SOURCE_DIR}/../shared/vectors" ABSOLUTE)
set(ASISTENCIA_SHARED_VECTORS "${_asistencia_vectors}" CACHE PATH "Folder of the published test vectors")

# add_asistencia_fuzzer(NAME src... LIBS lib...): a libFuzzer target (ASISTENCIA_FUZZ=ON).
function(add_asistencia_fuzzer name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  add_executable(${name} ${F_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
