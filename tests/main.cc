// Catch2's main(), compiled once for the whole test suite (tests/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
