# The web page's tests, appended to the suite by tests/CMakeLists.txt:
#   test_html.cc          [html]  escaping, highlights, paging, urls, error states, assets
#   browser/test_web.py           the real page in headless Chromium (Selenium), over the
#                                 real indexer and search-server (skips when no browser)
list(APPEND OLY_TEST_SOURCES test_html.cc)

# Debian's python3 first: python3-selenium lives there, not in a pyenv or venv on PATH.
find_program(OLY_BROWSER_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT OLY_BROWSER_PYTHON)
  find_program(OLY_BROWSER_PYTHON NAMES python3)
endif()
if(TARGET search-server AND OLY_BROWSER_PYTHON)
  add_test(NAME browser:test_web
    COMMAND ${OLY_BROWSER_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/browser/test_web.py
            --indexer $<TARGET_FILE:indexer> --server $<TARGET_FILE:search-server>)
  # 77: Chromium or chromedriver cannot start here (the test says why on stderr).
  set_tests_properties(browser:test_web PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180
    RUN_SERIAL TRUE LABELS browser)
else()
  message(STATUS "browser test not registered: no search-server target or no python3")
endif()
