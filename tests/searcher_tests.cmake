# The searcher's tests, appended to the suite by tests/CMakeLists.txt:
#   test_query.cc          [query]        query parser, table-driven (readings and errors)
#   test_snippet.cc        [snippet]      highlighting and snippet building
#   test_searcher_cli.cc   [searcher_cli] the real binaries on tests/fixtures/search, golden output
#   test_corpus_search.cc  [corpus]       the whole sample corpus: expected top results
#   test_cjk.cc            [cjk]          CJK sub-words end to end: index, query, ranking, highlights
#   test_index_set.cc      [index_set]    shards: stub files, languages per shard, --partial, remote
list(APPEND OLY_TEST_SOURCES test_query.cc test_snippet.cc test_searcher_cli.cc test_corpus_search.cc
  test_cjk.cc test_index_set.cc)
