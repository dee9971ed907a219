# cmake -D TEST_BINARY=... -D LIST_FILE=... -P GTestSuitesList.cmake
# Writes the names of the test suites of a GoogleTest binary, one a line
# (cmake/GTestSuites.cmake). `--gtest_list_tests` prints each suite as an
# unindented "Suite." line (parameterized: "Prefix/Suite.", typed:
# "Suite/0.  # TypeParam = ...") followed by its indented cases.
execute_process(COMMAND "${TEST_BINARY}" --gtest_list_tests
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} --gtest_list_tests failed (${rc}):\n${out}\n${err}")
endif()
# Suite names are C++ identifiers and '/': drop what CMake's lists treat
# specially (';', brackets) from the parameter values printed after them.
string(REGEX REPLACE "[][;]" "" out "${out}")
string(REPLACE "\n" ";" lines "${out}")
set(suites "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ #][^ ]*)\\.( |$)")
    string(APPEND suites "${CMAKE_MATCH_1}\n")
  endif()
endforeach()
file(WRITE "${LIST_FILE}.tmp" "${suites}")
file(RENAME "${LIST_FILE}.tmp" "${LIST_FILE}")
