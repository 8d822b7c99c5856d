# The fuzz targets (fuzz/*.cc) rebuilt without libFuzzer, with fuzz/replay_main.cc as their
# main(), so that the normal suite replays fuzzing's findings with this build's compiler
# and flags (plain, and ASan + UBSan when OLY_SANITIZE is on). Included by
# tests/CMakeLists.txt. Two kinds of CTest test per target:
#   "fuzz regression: <target>/<name>"  one per file in fuzz/regressions/<target>/: the
#                                       input of a crash that fuzzing found, named after it
#   "fuzz seeds: <target>"              every seed input in fuzz/corpus/<target>/
# A test fails when a fuzz check traps, a sanitizer reports, the process crashes, or it
# runs past its TIMEOUT (a hang). The two regressions that were quadratic slow-downs, not
# crashes, took 0.35 s (snippet) in a plain -O2 build before their fix: only fuzz/run,
# where they were found, times them tightly enough (10 s under libFuzzer's instrumentation);
# here they check that those inputs still run cleanly. The stack overflow fails here too
# (checked: with the nesting limit lifted, its test ends in SEGFAULT).
set(OLY_FUZZ_DIR ${CMAKE_SOURCE_DIR}/fuzz)
# Every target in fuzz/ (fuzz_<name>.cc), not a second copy of fuzz/CMakeLists.txt's list.
file(GLOB OLY_FUZZ_SOURCES CONFIGURE_DEPENDS ${OLY_FUZZ_DIR}/fuzz_*.cc)

# Seconds per test; sanitizer builds run the same code several times slower (the same
# factor tests/reliability_util.h applies to the suite's own limits).
set(OLY_FUZZ_REPLAY_TIMEOUT 10)
if(OLY_SANITIZE)
  math(EXPR OLY_FUZZ_REPLAY_TIMEOUT "${OLY_FUZZ_REPLAY_TIMEOUT} * 4")
endif()

foreach(source IN LISTS OLY_FUZZ_SOURCES)
  get_filename_component(t ${source} NAME_WE)
  add_executable(replay_${t} ${source} ${OLY_FUZZ_DIR}/replay_main.cc)
  target_include_directories(replay_${t} PRIVATE ${OLY_FUZZ_DIR})
  target_link_libraries(replay_${t} PRIVATE olycore)

  # CONFIGURE_DEPENDS: a regression input added later is picked up by the next build.
  file(GLOB regressions CONFIGURE_DEPENDS ${OLY_FUZZ_DIR}/regressions/${t}/*)
  foreach(input IN LISTS regressions)
    get_filename_component(name ${input} NAME)
    add_test(NAME "fuzz regression: ${t}/${name}" COMMAND replay_${t} ${input})
    set_tests_properties("fuzz regression: ${t}/${name}" PROPERTIES
      TIMEOUT ${OLY_FUZZ_REPLAY_TIMEOUT} LABELS fuzz)
  endforeach()

  file(GLOB seeds CONFIGURE_DEPENDS ${OLY_FUZZ_DIR}/corpus/${t}/*)
  add_test(NAME "fuzz seeds: ${t}" COMMAND replay_${t} ${seeds})
  set_tests_properties("fuzz seeds: ${t}" PROPERTIES TIMEOUT ${OLY_FUZZ_REPLAY_TIMEOUT} LABELS fuzz)
endforeach()
