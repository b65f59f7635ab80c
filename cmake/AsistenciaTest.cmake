# add_asistencia_test(NAME LABEL src... LIBS lib...)
# One GoogleTest executable per unit; LABEL is "unit" (pure code) or
# "integration" (needs the real services that scripts/test starts).
function(add_asistencia_test name label)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  add_executable(${name} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${T_LIBS} asistencia_warnings GTest::gtest_main GTest::gmock)
  # A hung test fails after 5 minutes instead of holding CI until its global limit.
  gtest_discover_tests(${name} PROPERTIES LABELS ${label} TIMEOUT 300 DISCOVERY_TIMEOUT 60)
endfunction()

# add_asistencia_fuzzer(NAME src... LIBS lib...): a libFuzzer target (ASISTENCIA_FUZZ=ON).
function(add_asistencia_fuzzer name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  add_executable(${name} ${F_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
