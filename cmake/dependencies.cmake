# Finds every third-party library once, as imported targets. Only Debian's packages are used
# (see docs/TOOLCHAIN notes in the README): no vendored copies next to the system ones.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)  # the datamesh CLI's HTTP client
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)
include(GoogleTest)

pkg_check_modules(NATS REQUIRED IMPORTED_TARGET libnats)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(ISAL IMPORTED_TARGET libisal)

# Jerasure ships neither pkg-config nor a CMake config. jerasure.h includes "galois.h", which
# lives in /usr/include/jerasure, so both folders must be on the include path.
find_path(JERASURE_INCLUDE_DIR jerasure.h REQUIRED)
find_path(JERASURE_SUB_INCLUDE_DIR galois.h PATH_SUFFIXES jerasure REQUIRED)
find_library(JERASURE_LIBRARY Jerasure REQUIRED)
find_library(GF_COMPLETE_LIBRARY gf_complete REQUIRED)
add_library(jerasure::jerasure INTERFACE IMPORTED)
set_target_properties(jerasure::jerasure PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${JERASURE_INCLUDE_DIR};${JERASURE_SUB_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${JERASURE_LIBRARY};${GF_COMPLETE_LIBRARY}")
