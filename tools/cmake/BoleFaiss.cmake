# BoleFaiss.cmake — imported target bole::faiss for our own FAISS build.
#
# Input (cache var): BOLE_FAISS_ROOT = the prefix made by tools/faiss-build.sh
#   (tools/dev passes -DBOLE_FAISS_ROOT=...; `tools/faiss-build.sh --prefix`
#   prints it).
# Output:
#   bole::faiss            INTERFACE target: faiss_c + faiss_avx2 (or faiss)
#                          + OpenBLAS (OpenMP flavour, incl. LAPACK) + gcc's
#                          libgomp + libstdc++ + libm + threads;
#                          include dir ${BOLE_FAISS_ROOT}/include.
#   BOLE_FAISS_BUILDINFO   one line, e.g. "FAISS 1.7.3 (Debian 1.7.3-2) avx2 OpenBLAS-OpenMP"
#
# FAISS is compiled by g++ with -fopenmp, so it needs GNU libgomp even when the
# consumer is built with clang (ASan build): we link gcc's libgomp by absolute
# path rather than find_package(OpenMP), which would pick clang's libomp.
include_guard(GLOBAL)

set(BOLE_FAISS_ROOT "" CACHE PATH "Prefix of the FAISS build made by tools/faiss-build.sh")

function(_bole_faiss_fail why)
  message(FATAL_ERROR
    "bole: FAISS: ${why}\n"
    "  BOLE_FAISS_ROOT='${BOLE_FAISS_ROOT}'\n"
    "  Run tools/dev build (it builds FAISS into the cache and passes -DBOLE_FAISS_ROOT=...).")
endfunction()

if(NOT BOLE_FAISS_ROOT)
  _bole_faiss_fail("BOLE_FAISS_ROOT is not set")
endif()
if(NOT IS_DIRECTORY "${BOLE_FAISS_ROOT}")
  _bole_faiss_fail("BOLE_FAISS_ROOT does not exist")
endif()
if(NOT EXISTS "${BOLE_FAISS_ROOT}/../stamp")
  _bole_faiss_fail("the FAISS build is incomplete (no stamp file)")
endif()
foreach(_f include/faiss/Index.h include/faiss/c_api/faiss_c.h
           include/faiss/c_api/index_factory_c.h lib/libfaiss_c.a BUILDINFO)
  if(NOT EXISTS "${BOLE_FAISS_ROOT}/${_f}")
    _bole_faiss_fail("missing ${_f}")
  endif()
endforeach()

if(EXISTS "${BOLE_FAISS_ROOT}/lib/libfaiss_avx2.a")
  set(_bole_faiss_core "${BOLE_FAISS_ROOT}/lib/libfaiss_avx2.a")
elseif(EXISTS "${BOLE_FAISS_ROOT}/lib/libfaiss.a")
  set(_bole_faiss_core "${BOLE_FAISS_ROOT}/lib/libfaiss.a")
else()
  _bole_faiss_fail("missing lib/libfaiss_avx2.a (or lib/libfaiss.a)")
endif()

file(STRINGS "${BOLE_FAISS_ROOT}/BUILDINFO" _bole_faiss_bi LIMIT_COUNT 1)
set(BOLE_FAISS_BUILDINFO "${_bole_faiss_bi}")
# Re-run configure when the FAISS build changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${BOLE_FAISS_ROOT}/BUILDINFO")

# OpenBLAS, OpenMP flavour (it carries LAPACK too). Looked up in its own
# directory so that a pthread/serial flavour or reference BLAS selected via
# update-alternatives is never picked; the RUNPATH makes the loader use the
# same directory at run time.
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(_bole_ma "${CMAKE_LIBRARY_ARCHITECTURE}")
else()
  set(_bole_ma "x86_64-linux-gnu")
endif()
set(_bole_obdir "/usr/lib/${_bole_ma}/openblas-openmp")
find_library(BOLE_OPENBLAS_LIBRARY NAMES openblas PATHS "${_bole_obdir}" NO_DEFAULT_PATH)
find_library(BOLE_LAPACK_LIBRARY NAMES lapack PATHS "${_bole_obdir}" NO_DEFAULT_PATH)
if(NOT BOLE_OPENBLAS_LIBRARY OR NOT BOLE_LAPACK_LIBRARY)
  message(FATAL_ERROR "bole: FAISS: OpenBLAS (OpenMP flavour) not found in ${_bole_obdir}: "
                      "install libopenblas-openmp-dev (tools/dev build does)")
endif()

# GNU libgomp by absolute path (works for gcc and clang alike).
if(NOT BOLE_GOMP_LIBRARY)
  execute_process(COMMAND gcc -print-file-name=libgomp.so
                  OUTPUT_VARIABLE _bole_gomp OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _bole_gomp_rc)
  if(NOT _bole_gomp_rc EQUAL 0 OR NOT IS_ABSOLUTE "${_bole_gomp}" OR NOT EXISTS "${_bole_gomp}")
    message(FATAL_ERROR "bole: FAISS: cannot find gcc's libgomp.so (gcc -print-file-name=libgomp.so)")
  endif()
  set(BOLE_GOMP_LIBRARY "${_bole_gomp}" CACHE FILEPATH "GNU OpenMP runtime FAISS was built against")
endif()

find_package(Threads REQUIRED)

if(NOT TARGET bole::faiss)
  add_library(bole_faiss_c STATIC IMPORTED GLOBAL)
  set_target_properties(bole_faiss_c PROPERTIES
    IMPORTED_LOCATION "${BOLE_FAISS_ROOT}/lib/libfaiss_c.a")
  add_library(bole_faiss_core STATIC IMPORTED GLOBAL)
  set_target_properties(bole_faiss_core PROPERTIES
    IMPORTED_LOCATION "${_bole_faiss_core}")

  add_library(bole_faiss INTERFACE)
  add_library(bole::faiss ALIAS bole_faiss)
  target_include_directories(bole_faiss SYSTEM INTERFACE "${BOLE_FAISS_ROOT}/include")
  # Order matters for static archives: C API, then FAISS, then its deps.
  target_link_libraries(bole_faiss INTERFACE
    bole_faiss_c
    bole_faiss_core
    "${BOLE_OPENBLAS_LIBRARY}"
    "${BOLE_LAPACK_LIBRARY}"
    "${BOLE_GOMP_LIBRARY}"
    stdc++
    m
    Threads::Threads)
  target_link_options(bole_faiss INTERFACE "LINKER:-rpath,${_bole_obdir}")
endif()

message(STATUS "bole: ${BOLE_FAISS_BUILDINFO} (${BOLE_FAISS_ROOT})")
