# CMake toolchain file for icc++ (clang++ with [[interceptor]] functions):
#   cmake -DCMAKE_TOOLCHAIN_FILE=/path/to/icc++/cmake/icc++.cmake -S . -B build
# C++ goes through icc++ (CMake identifies it as the Clang it runs); C goes to
# plain clang unless you choose another C compiler. icc++ finds the real clang++
# itself: clang++ on PATH, or ICC_CLANG in the environment of the build.
get_filename_component(_icc_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

set(CMAKE_CXX_COMPILER "${_icc_root}/bin/icc++")
if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER clang)
endif()
