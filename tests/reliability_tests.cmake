# The reliability tests, appended to the suite by tests/CMakeLists.txt:
#   test_bad_input.cc     [bad_input]    a table of bad inputs, queries and indexes run
#                                        through the real binaries
#   test_crash_safety.cc  [crash]        SIGKILL at many points of update and bulk runs
#   test_concurrency.cc   [concurrency]  searchers running while the indexer commits or swaps
#   test_scale_out_ops.cc [scale_out_ops] scripts/serve-shards (xapian-tcpsrv per shard) and
#                                        scripts/replicate (xapian-replicate rounds), on
#                                        loopback ports
#   test_scale_out.cc     [scale_out]    3 shards (repeated -d, stubs, xapian-tcpsrv) answer
#                                        as one index; shards killed mid-batch
list(APPEND OLY_TEST_SOURCES test_bad_input.cc test_crash_safety.cc test_concurrency.cc
  test_scale_out_ops.cc test_scale_out.cc)
