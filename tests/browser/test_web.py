#!/usr/bin/env python3
"""The web page in a real browser: headless Chromium driven by Selenium, over an index
built from fixture.jsonl by the real indexer and served by the real search-server.

Usage: test_web.py --indexer PATH --server PATH
Exit 0: passed; 1: a check failed; 77: Chromium or chromedriver cannot start here (CTest's
SKIP_RETURN_CODE; the reason is printed). Everything started is stopped on every path.
"""
import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixture.jsonl")
XSS_TITLE = ("<script>window.__xss=1;alert('xss')</script>"
             "<img src=x onerror=\"window.__xss=2;alert(2)\"> Hurdles trap")
TOTAL_SECONDS = 150  # the whole test; CTest's TIMEOUT is above it

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:  # no python3-selenium: nothing to drive a browser with
    print(f"SKIP: browser test: selenium is not installed ({e})", file=sys.stderr)
    sys.exit(SKIP)


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)
    print(f"ok: {what}")


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout(f"the browser test took longer than {TOTAL_SECONDS} s")


def find_program(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def start_server(server, index):
    """Starts search-server on an ephemeral port in its own session; returns (proc, url)."""
    proc = subprocess.Popen([server, "-d", index, "--listen", "127.0.0.1:0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=None, start_new_session=True)
    deadline = time.monotonic() + 20
    line = b""
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
        elif proc.poll() is not None:
            break
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("listening on http://"):
        stop_server(proc)
        raise Failed(f"search-server did not say where it listens (got {text!r})")
    return proc, text[len("listening on "):].rstrip("/")


def stop_server(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def make_driver(tmp, name, javascript):
    """A headless Chromium with a fresh profile; None (with the reason) if it cannot start."""
    chrome = find_program("chromium", "chromium-browser", "google-chrome")
    driver_bin = find_program("chromedriver")
    if not chrome or not driver_bin:
        return None, "chromium or chromedriver not found on PATH"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--window-size=1024,768",
              "--user-data-dir=" + os.path.join(tmp, "profile-" + name)]:
        opts.add_argument(a)
    if not javascript:
        opts.add_argument("--blink-settings=scriptEnabled=false")
        opts.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        d = webdriver.Chrome(service=Service(executable_path=driver_bin), options=opts)
    except WebDriverException as e:
        return None, str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
    d.set_page_load_timeout(20)
    d.set_script_timeout(10)
    return d, ""


def no_alert(d, where):
    try:
        text = d.switch_to.alert.text
        d.switch_to.alert.dismiss()
        raise Failed(f"{where}: an alert appeared ({text!r}): markup from an article ran")
    except NoAlertPresentException:
        pass


def csp_violations(d):
    try:
        logs = d.get_log("browser")
    except WebDriverException:
        return []
    return [e["message"] for e in logs if "Content Security Policy" in e.get("message", "")]


def html_headers(base):
    """The server must send these with every HTML page (issue 14's design): the page has no
    inline script or style, so a strict policy costs nothing and stops injected markup."""
    for path in ["/", "/?q=relay", "/view/relay-01", "/view/no-such-id"]:
        try:
            resp = urllib.request.urlopen(base + path, timeout=10)
        except urllib.error.HTTPError as e:  # 404 still carries the headers
            resp = e
        csp = resp.headers.get("Content-Security-Policy", "")
        check("default-src 'self'" in csp,
              f"{path}: Content-Security-Policy: default-src 'self' is sent (got {csp!r})")
        check(resp.headers.get("Content-Type", "").startswith("text/html; charset=utf-8"),
              f"{path}: served as text/html; charset=utf-8")


def titles(d):
    return [e.text for e in d.find_elements(By.CSS_SELECTOR, "ol.hits li.hit h2.title a")]


def search_with_js(d, base):
    d.get(base + "/")
    box = d.find_element(By.ID, "q")
    # search.js: "/" anywhere focuses the box.
    d.find_element(By.TAG_NAME, "body").send_keys("/")
    check(d.switch_to.active_element == box, "'/' focuses the search box (JavaScript on)")
    box.send_keys("oops")
    box.send_keys(Keys.ESCAPE)
    check(box.get_attribute("value") == "", "Escape clears the search box (JavaScript on)")
    box.send_keys("relay")
    box.send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: "q=relay" in x.current_url)
    check("sort=" not in d.current_url and "since=" not in d.current_url,
          "empty fields are left out of the URL")
    t = titles(d)
    check(len(t) == 10, f"page 1 shows 10 hits (got {len(t)})")
    check(all(s.startswith("Relay final") for s in t), "the expected titles are listed")
    marks = d.find_elements(By.CSS_SELECTOR, "ol.hits h2.title mark")
    check(marks and all(m.text.lower() == "relay" for m in marks), "titles mark 'Relay'")
    check(d.find_elements(By.CSS_SELECTOR, "p.snippet mark"), "snippets have <mark>")
    count = d.find_element(By.CSS_SELECTOR, "p.count").text
    check("of 12" in count and "about" not in count, f"the count line is exact ({count!r})")

    d.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    WebDriverWait(d, 10).until(lambda x: "page=2" in x.current_url)
    q = urllib.parse.parse_qs(urllib.parse.urlparse(d.current_url).query)
    check(q.get("q") == ["relay"], "page 2 keeps the query")
    check(len(titles(d)) == 2, "page 2 shows the last 2 hits")
    check(not d.find_elements(By.CSS_SELECTOR, "a[rel=next]"), "no link past the last page")
    check(d.find_element(By.ID, "q").get_attribute("value") == "relay", "the box keeps the query")

    # Changing the sort submits the form (search.js) and keeps the query.
    from selenium.webdriver.support.ui import Select
    Select(d.find_element(By.NAME, "sort")).select_by_value("-date")
    WebDriverWait(d, 10).until(lambda x: "sort=-date" in x.current_url)
    check(titles(d)[0] == "Relay final 12: the baton changes hands", "newest first after sorting")
    check("page=" not in d.current_url, "a new sort starts at page 1")

    d.find_elements(By.CSS_SELECTOR, "ol.hits h2.title a")[0].click()
    WebDriverWait(d, 10).until(lambda x: "/view/" in x.current_url)
    check(d.find_element(By.TAG_NAME, "h1").text == "Relay final 12: the baton changes hands",
          "the article page shows the title")
    check(len(d.find_elements(By.CSS_SELECTOR, "article .body p")) == 2, "the body's 2 paragraphs")
    link = d.find_elements(By.CSS_SELECTOR, "dl.meta a[href^='https://example.org/relay/12']")
    check(len(link) == 1, "the article's http(s) url is a link")


def xss(d, base):
    d.get(base + "/?q=" + urllib.parse.quote("hurdles trap"))
    no_alert(d, "results with the XSS article")
    t = titles(d)
    check(t == [XSS_TITLE], f"the XSS title shows as text ({t!r})")
    check(d.execute_script("return window.__xss === undefined"), "no article markup ran")
    injected = d.find_elements(By.CSS_SELECTOR, "main img, main script, main svg, main b")
    check(not injected, "no element was injected by the article")
    d.find_elements(By.CSS_SELECTOR, "ol.hits h2.title a")[0].click()
    WebDriverWait(d, 10).until(lambda x: "/view/" in x.current_url)
    no_alert(d, "the XSS article's page")
    check(d.find_element(By.TAG_NAME, "h1").text == XSS_TITLE, "its page shows the title as text")
    check(d.execute_script("return window.__xss === undefined"), "no article markup ran there")
    check(not d.find_elements(By.CSS_SELECTOR, "main img, main script, main svg, main b"),
          "no element injected on the article page")
    check(not d.find_elements(By.CSS_SELECTOR, "a[href^='javascript' i]"),
          "the javascript: url is not a link")
    check("javascript:window.__xss=3" in d.find_element(By.CSS_SELECTOR, "dl.meta").text,
          "the javascript: url is shown as text")


def phone(d, base):
    d.set_window_size(360, 640)
    for path in ["/?q=relay", "/?q=marathon", "/view/wide", "/?q=" + urllib.parse.quote('"oops')]:
        d.get(base + path)
        inner, scroll = d.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth]")
        check(inner <= 360 and scroll <= inner,
              f"{path} at 360 px: no horizontal scroll (width {inner}, content {scroll})")


def syntax_error(d, base):
    d.get(base + "/?q=" + urllib.parse.quote('bolt "sprint'))
    err = d.find_element(By.CSS_SELECTOR, "section.error")
    check("column 6" in err.text, f"a syntax error names its column ({err.text!r})")
    pad = d.find_element(By.CSS_SELECTOR, ".caret .pad")
    mark = d.find_element(By.CSS_SELECTOR, ".caret mark")
    check(abs(pad.size["width"] - mark.location["x"] + pad.location["x"]) <= 1,
          "the caret sits under the column")


def without_js(d, base):
    d.get(base + "/")
    box = d.find_element(By.ID, "q")
    d.find_element(By.TAG_NAME, "body").send_keys("/")
    check(d.switch_to.active_element != box, "JavaScript is really off ('/' does nothing)")
    box.send_keys("relay")
    d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    WebDriverWait(d, 10).until(lambda x: "q=relay" in x.current_url)
    check(len(titles(d)) == 10, "without JavaScript: the form searches")
    d.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    WebDriverWait(d, 10).until(lambda x: "page=2" in x.current_url)
    check(len(titles(d)) == 2, "without JavaScript: paging works")
    d.find_elements(By.CSS_SELECTOR, "ol.hits h2.title a")[0].click()
    WebDriverWait(d, 10).until(lambda x: "/view/" in x.current_url)
    check(d.find_element(By.TAG_NAME, "h1").text.startswith("Relay final"),
          "without JavaScript: the article opens")


def run(args, tmp):
    index = os.path.join(tmp, "index")
    r = subprocess.run([args.indexer, "-d", index, "-q", FIXTURE], capture_output=True,
                       timeout=60)
    if r.returncode != 0:
        raise Failed(f"indexer failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    server, drivers = None, []
    try:
        server, base = start_server(args.server, index)
        html_headers(base)
        d, why = make_driver(tmp, "js", javascript=True)
        if d is None:
            print(f"SKIP: browser test: Chromium cannot start: {why}", file=sys.stderr)
            return SKIP
        drivers.append(d)
        search_with_js(d, base)
        xss(d, base)
        syntax_error(d, base)
        phone(d, base)
        bad = csp_violations(d)
        check(not bad, f"no Content-Security-Policy violations ({len(bad)}: {bad[:2]!r})")
        nojs, why = make_driver(tmp, "nojs", javascript=False)
        if nojs is None:
            raise Failed(f"the second Chromium (JavaScript off) did not start: {why}")
        drivers.append(nojs)
        without_js(nojs, base)
        return 0
    finally:
        for d in drivers:
            try:
                d.quit()
            except Exception:  # quitting must not hide the real outcome
                pass
        stop_server(server)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexer", required=True)
    ap.add_argument("--server", required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TOTAL_SECONDS)
    tmp = tempfile.mkdtemp(prefix="oly-browser-")
    try:
        return run(args, tmp)
    except (Failed, Timeout) as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        signal.alarm(0)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
