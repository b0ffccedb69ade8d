# Build helpers: every folder's CMakeLists.txt is a short list of sources and explicit deps.
#
#   datamesh_cc_library(NAME n [SRCS ...] [DEPS ...] [PUBLIC_DEPS ...])   (no SRCS: header-only)
#   datamesh_cc_test(NAME n SRCS ... [DEPS ...] [LABELS ...] [TIMEOUT s] [RUN_SERIAL])
#   datamesh_cc_binary(NAME n OUTPUT_NAME out SRCS ... [DEPS ...])
#   datamesh_proto_library(NAME n PROTOS ... [DEPS ...] [GRPC])
#
# Sources include each other from the repository root ("shared/status/status.h"); generated
# protobuf headers from the proto root ("datamesh/auth/v1/auth.pb.h").

set(DM_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
if(DM_WERROR)
  list(APPEND DM_WARNINGS -Werror)
endif()

function(_dm_common target)
  target_compile_options(${target} PRIVATE ${DM_WARNINGS})
endfunction()

function(datamesh_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  if(NOT A_SRCS)
    # Header-only: everything a dependent needs is public.
    add_library(${A_NAME} INTERFACE)
    target_include_directories(${A_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${A_NAME} INTERFACE ${A_PUBLIC_DEPS} ${A_DEPS})
    return()
  endif()
  add_library(${A_NAME} STATIC ${A_SRCS})
  target_include_directories(${A_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${A_NAME} PUBLIC ${A_PUBLIC_DEPS} PRIVATE ${A_DEPS})
  _dm_common(${A_NAME})
endfunction()

# Unit and integration tests. Tests that start real servers are labelled "integration" and run
# serially with respect to each other only where they say RUN_SERIAL.
function(datamesh_cc_test)
  cmake_parse_arguments(A "RUN_SERIAL" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT BUILD_TESTING)
    return()
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  _dm_common(${A_NAME})
  # Test code is glue around the libraries under test (which keep -O2); optimising gtest's
  # expansions harder only slows the build.
  target_compile_options(${A_NAME} PRIVATE $<$<NOT:$<CONFIG:Debug>>:-O1>)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  # Every test of a binary shares one ctest entry: integration binaries bring up their own
  # servers once per binary, which per-test discovery would repeat for every case.
  add_test(NAME ${A_NAME} COMMAND ${A_NAME} --gtest_color=no)
  set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS "${A_LABELS}"
    ENVIRONMENT "DM_SOURCE_DIR=${PROJECT_SOURCE_DIR};DM_BINARY_DIR=${PROJECT_BINARY_DIR}"
    FIXTURES_REQUIRED dm_reaper)
  if(A_RUN_SERIAL)
    set_tests_properties(${A_NAME} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

function(datamesh_cc_binary)
  cmake_parse_arguments(A "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  _dm_common(${A_NAME})
  if(A_OUTPUT_NAME)
    set_target_properties(${A_NAME} PROPERTIES OUTPUT_NAME ${A_OUTPUT_NAME})
  endif()
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()

# One library per proto package. Generated code stays in the build folder, never checked in.
function(datamesh_proto_library)
  cmake_parse_arguments(A "GRPC" "NAME" "PROTOS;DEPS" ${ARGN})
  add_library(${A_NAME} STATIC ${A_PROTOS})
  target_link_libraries(${A_NAME} PUBLIC protobuf::libprotobuf ${A_DEPS})
  target_include_directories(${A_NAME} PUBLIC ${CMAKE_CURRENT_BINARY_DIR})
  # Generated files of one package define the same file-local names: never batch them.
  set_target_properties(${A_NAME} PROPERTIES UNITY_BUILD OFF)
  protobuf_generate(TARGET ${A_NAME} LANGUAGE cpp IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR})
  if(A_GRPC)
    target_link_libraries(${A_NAME} PUBLIC gRPC::grpc++)
    protobuf_generate(TARGET ${A_NAME} LANGUAGE grpc
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
      IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
endfunction()

# Embeds the versioned SQL migrations of a folder (NNNN_name.sql) into a library, so a service
# binary carries its schema and needs no files at run time.
#   datamesh_sql_migrations(NAME n DIR migrations SCHEMA s)
# provides `const std::vector<datamesh::pg::Migration>& <NAME>()` declared in the generated
# header "<NAME>.h" under the build folder.
function(datamesh_sql_migrations)
  cmake_parse_arguments(A "" "NAME;DIR;SCHEMA" "" ${ARGN})
  file(GLOB sql_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${A_DIR}/*.sql)
  list(SORT sql_files)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${A_NAME}_gen)
  set(out_cc ${out_dir}/${A_NAME}.cc)
  set(out_h ${out_dir}/${A_NAME}.h)
  # '|' separates the files: a ';' list would be split by the shell into several commands.
  list(JOIN sql_files "|" files_arg)
  add_custom_command(
    OUTPUT ${out_cc} ${out_h}
    COMMAND ${CMAKE_COMMAND} -DNAME=${A_NAME} -DSCHEMA=${A_SCHEMA} -DOUT_CC=${out_cc}
            -DOUT_H=${out_h} "-DFILES=${files_arg}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_sql.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/embed_sql.cmake
    COMMENT "Embedding SQL migrations for ${A_SCHEMA}"
    VERBATIM)
  add_library(${A_NAME} STATIC ${out_cc})
  target_include_directories(${A_NAME} PUBLIC ${out_dir})
  target_link_libraries(${A_NAME} PUBLIC dm_pg)
endfunction()
