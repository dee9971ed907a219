# ocr_discover_test_suites(target [PREFIX p] [PROPERTIES name value ...])
#
# Registers one CTest test per GoogleTest test suite of `target` (named
# <p><Suite>, run as `target --gtest_filter=<Suite>.*`), where
# gtest_discover_tests registers one per test case. A suite's
# SetUpTestSuite (a server started, documents made) then runs once, not once
# per case; the gtest output still names each case that failed.
#
# As with gtest_discover_tests, the suites are listed after every link
# (POST_BUILD: `target --gtest_list_tests` into <target>_suites.txt) and
# CTest reads that list when it runs, so a new TEST_F needs no reconfigure.
set(OCR_GTEST_SUITES_LIST_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/GTestSuitesList.cmake)

function(ocr_discover_test_suites target)
  cmake_parse_arguments(D "" "PREFIX" "PROPERTIES" ${ARGN})
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  set(list_file "${dir}/${target}_suites.txt")
  set(include_file "${dir}/${target}_suites_include.cmake")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -D "TEST_BINARY=$<TARGET_FILE:${target}>"
            -D "LIST_FILE=${list_file}" -P ${OCR_GTEST_SUITES_LIST_SCRIPT}
    BYPRODUCTS ${list_file}
    VERBATIM)
  # The properties, as bracket arguments (values may hold spaces or quotes).
  set(props "")
  foreach(item IN LISTS D_PROPERTIES)
    string(APPEND props " [==[${item}]==]")
  endforeach()
  file(GENERATE OUTPUT ${include_file} CONTENT
"if(EXISTS [==[${list_file}]==])
  file(STRINGS [==[${list_file}]==] suites)
  foreach(suite IN LISTS suites)
    add_test(\"${D_PREFIX}\${suite}\" [==[$<TARGET_FILE:${target}>]==]
             \"--gtest_filter=\${suite}.*\")
    set_tests_properties(\"${D_PREFIX}\${suite}\" PROPERTIES${props})
  endforeach()
else()
  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)
endif()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
