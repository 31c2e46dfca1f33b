"""The page in a real browser (Debian's headless Chromium via selenium): ask, open a source, explore.

Screenshots go to docs/screenshots/ (chat.png, source.png, explorer.png, matrix.png, browse.png).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.test_web import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = ROOT / "docs" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                       reason="needs Debian's chromium and chromium-driver (scripts/install.sh --test installs them)"),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000", "--lang=zh-CN"):
        options.add_argument(arg)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: condition())


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / name))


def test_ask_open_a_source_and_explore_a_department(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(server.url)
    box = wait(d, lambda: d.find_element(By.CSS_SELECTOR, "#pa-question textarea"))
    assert "知识产权保护政策问答助手" in d.find_element(By.CSS_SELECTOR, ".pa-header").text

    # Gradio's fixed English "queue full" notice is shown in Chinese
    d.execute_script("const e = document.createElement('div'); e.id = 'busy-probe';"
                     "e.textContent = 'This application is currently busy. Please try again. ';"
                     "document.body.appendChild(e);")
    wait(d, lambda: d.find_element(By.ID, "busy-probe").text.startswith("系统繁忙"), timeout=5)
    d.execute_script("document.getElementById('busy-probe').remove()")

    # ask: the streamed answer, then its sources under it
    box.send_keys("郑州开展铁拳专项行动的责任单位有哪些？")
    box.send_keys(Keys.ENTER)
    chat = d.find_element(By.ID, "pa-chat")
    wait(d, lambda: "金水海关" in chat.text and chat.find_elements(By.CSS_SELECTOR, "details.pa-source"))
    assert "[1]" in chat.text and "引用来源（1 条" in chat.text

    # open the source: the full clause, its place, its units, the quote highlighted
    summary = wait(d, lambda: next((s for s in chat.find_elements(By.CSS_SELECTOR, "details.pa-source summary")
                                    if s.is_displayed() and s.text), None))  # once the list has unfolded
    assert "加强行政保护" in summary.text
    shot(d, "chat.png")
    summary.click()
    mark = wait(d, lambda: next((m for m in chat.find_elements(By.CSS_SELECTOR, "details.pa-source mark")
                                 if m.is_displayed()), None))
    assert "铁拳" in mark.text
    source = chat.find_element(By.CSS_SELECTOR, "details.pa-source")
    assert "zhengzhou-opinions#2.4" in source.text and "二、推动落实知识产权“严保护”" in source.text
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", source)
    shot(d, "source.png")

    # the responsibility explorer: a department by partial name, with its count, then its measures
    d.find_element(By.XPATH, "//button[@role='tab' and contains(., '责任分工')]").click()
    query = wait(d, lambda: d.find_element(By.CSS_SELECTOR, "#pa-dept-query textarea, #pa-dept-query input"))
    query.send_keys("市场监管局")
    query.send_keys(Keys.ENTER)
    labels = wait(d, lambda: d.find_elements(By.CSS_SELECTOR, "#pa-dept-pick label"))
    texts = [x.text for x in labels]
    assert any(re.fullmatch(r"信阳 · 市市场监管局（\d+ 项）", t) for t in texts), texts
    next(x for x in labels if x.text.startswith("信阳")).click()
    wait(d, lambda: "一、（一）" in d.find_element(By.ID, "pa-dept-table").text)
    assert "共承担" in d.find_element(By.ID, "pa-dept-summary").text
    assert "xinyang-opinions#" not in d.find_element(By.ID, "pa-dept-table").text  # printed numbers, no ids
    # one matching department is picked at once; a row opens its measure; the table downloads
    query.clear()
    query.send_keys("郑州公安局")
    query.send_keys(Keys.ENTER)
    wait(d, lambda: "郑州 · 市公安局" in d.find_element(By.ID, "pa-dept-summary").text)
    wait(d, lambda: "二、（三）" in d.find_element(By.ID, "pa-dept-table").text)
    assert d.find_element(By.CSS_SELECTOR, "#pa-dept-xlsx").is_displayed()
    cell = next(c for c in d.find_elements(By.CSS_SELECTOR, "#pa-dept-table [role='gridcell']") if c.text == "严格司法保护")
    cell.click()
    wait(d, lambda: "**" not in d.find_element(By.ID, "pa-dept-measure").text
         and "市中级人民法院" in d.find_element(By.ID, "pa-dept-measure").text)
    shot(d, "explorer.png")

    # the matrix of a document: a heatmap picture and a CSV download
    d.find_element(By.CSS_SELECTOR, "#pa-mx-doc input").click()
    wait(d, lambda: d.find_element(By.CSS_SELECTOR, "li[data-testid='dropdown-option'][aria-label^='郑州']")).click()
    wait(d, lambda: d.find_elements(By.CSS_SELECTOR, "#pa-mx-image img"))
    assert "个责任单位" in d.find_element(By.ID, "pa-mx-note").text
    assert "二、（四）" in d.find_element(By.ID, "pa-doc-table").text and d.find_element(By.ID, "pa-doc-xlsx").is_displayed()
    d.execute_script("document.querySelector('#pa-mx-doc').scrollIntoView({block: 'start'})")
    wait(d, lambda: d.execute_script("const i = document.querySelector('#pa-mx-image img'); return i && i.complete && i.naturalWidth > 0"))
    shot(d, "matrix.png")

    # the document browser: a document, its table of contents, one click to a measure's text
    d.find_element(By.XPATH, "//button[@role='tab' and contains(., '文件浏览')]").click()
    wait(d, lambda: d.find_element(By.CSS_SELECTOR, "#pa-br-doc input")).click()
    wait(d, lambda: d.find_element(By.CSS_SELECTOR, "li[data-testid='dropdown-option'][aria-label^='郑州']")).click()
    wait(d, lambda: "2.4" in d.find_element(By.ID, "pa-br-toc").text)
    assert "中共郑州市委办公厅、郑州市人民政府办公厅" in d.find_element(By.ID, "pa-br-meta").text
    cell = next(c for c in d.find_elements(By.CSS_SELECTOR, "#pa-br-toc [role='gridcell']") if c.text == "2.4")
    cell.click()
    wait(d, lambda: "金水海关" in d.find_element(By.ID, "pa-br-clause").text)
    shot(d, "browse.png")
