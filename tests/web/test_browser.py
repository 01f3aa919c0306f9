"""A real browser (headless Chromium through Selenium) on the served app.

Screenshots of the dashboard and a release with a diff, at 1280 and 390 pixels wide, are
written to /tmp/web-*.png for a person to look at.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.newsrooms import SITES
from tests.web.conftest import HOSTILE_TITLE

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(tempfile.gettempdir())

if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip(
        "chromium and chromedriver are not installed: apt-get install chromium chromium-driver",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shoot(browser: webdriver.Chrome, name: str) -> None:
    for width in (1280, 390):
        browser.set_window_size(width, 1000)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(max(int(height), 600), 4000))
        browser.save_screenshot(str(SCREENSHOTS / f"web-{name}-{width}.png"))
    browser.set_window_size(1280, 1000)


def no_alert(browser: webdriver.Chrome) -> None:
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 -- the property raises when there is none


def test_dashboard(browser, open_server):
    browser.get(open_server.url + "/")
    assert browser.title.startswith("Dashboard")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.sources tbody tr")
    assert len(rows) == len(SITES) and all(r.is_displayed() for r in rows)
    assert browser.find_element(By.CSS_SELECTOR, "form.crawl button").is_displayed()
    shoot(browser, "dashboard")
    no_alert(browser)


def test_release_diff_is_marked(browser, open_server):
    browser.get(f"{open_server.url}/releases/{open_server.store.ids['edited']}")
    inserted = browser.find_element(By.CSS_SELECTOR, ".diff ins")
    deleted = browser.find_element(By.CSS_SELECTOR, ".diff del")
    assert inserted.is_displayed() and inserted.text.strip()
    assert deleted.is_displayed() and deleted.text.strip()
    assert inserted.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    shoot(browser, "release")


def test_thread_timeline_spans_agencies(browser, open_server):
    browser.get(open_server.url + "/threads/1")
    items = browser.find_elements(By.CSS_SELECTOR, "#timeline li")
    agencies = {i.find_element(By.CSS_SELECTOR, ".agency").text for i in items}
    assert len(agencies) >= 2, agencies
    assert all(i.find_element(By.CSS_SELECTOR, ".reason").text.strip() for i in items)
    shoot(browser, "thread")


def test_hostile_release_is_text_and_runs_nothing(browser, open_server):
    browser.get(f"{open_server.url}/releases/{open_server.store.ids['hostile']}")
    no_alert(browser)
    title = browser.find_element(By.ID, "title")
    assert "<script>alert(1)</script>" in title.text and title.text == HOSTILE_TITLE
    assert "<img src=x onerror=alert(1)>" in browser.find_element(By.ID, "body").text
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#title script") == []
    no_alert(browser)


def test_digest_page_shows_the_digest_in_its_frame(browser, open_server):
    browser.get(open_server.url + "/digest")
    frame = browser.find_element(By.CSS_SELECTOR, "iframe.digest")
    assert frame.is_displayed() and frame.size["height"] > 200
    browser.switch_to.frame(frame)
    try:
        assert browser.find_element(By.TAG_NAME, "body").text.strip()
    finally:
        browser.switch_to.default_content()
    shoot(browser, "digest")
    no_alert(browser)


def test_accepting_a_suggestion_confirms_it(browser, open_server, decisions):
    browser.get(f"{open_server.url}/threads/{decisions.thread}")
    item = browser.find_element(By.ID, f"release-{decisions.suggested}")
    assert item.get_attribute("data-state") == "suggested"
    item.find_element(By.CSS_SELECTOR, "button.accept").click()
    notice = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "decided")),
        message=f"no notice after the click: {browser.page_source[:300]}",
    )
    assert f"Release {decisions.suggested} accepted" in notice.text
    item = browser.find_element(By.ID, f"release-{decisions.suggested}")
    assert item.get_attribute("data-state") == "confirmed"
    assert item.find_elements(By.CSS_SELECTOR, "button.accept") == []
    assert item.find_element(By.CSS_SELECTOR, "button.reject").is_displayed()
    assert browser.current_url.endswith(f"?accepted={decisions.suggested}")
    shoot(browser, "thread-decided")
    no_alert(browser)  # the hostile title stayed text


def test_the_crawl_button_starts_a_crawl(browser, open_server):
    browser.get(open_server.url + "/")
    browser.find_element(By.CSS_SELECTOR, "form.crawl button").click()
    notice = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "div.notice")),
        message=f"no notice after the click: {browser.page_source[:300]}",
    )
    assert "Crawl requested" in notice.text
    open_server.crawls.finish_all()
