"""The page in a real browser (Debian's headless Chromium via selenium), on a desktop and on a phone, against the
real server: what a user sees after each step. Screenshots go to tmp_path (README's: scripts/screenshots.py)."""

from __future__ import annotations

import re

import pytest

from tests.browser import DESKTOP, PHONE, available, chromium, close, english_words, in_view, wait

By = pytest.importorskip("selenium.webdriver.common.by").By
Keys = pytest.importorskip("selenium.webdriver.common.keys").Keys

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not available(), reason="needs Debian's chromium and chromium-driver "
                                               "(scripts/install.sh --test installs them)"),
]

CLAUSE_ID = re.compile(r"[a-z]+(?:-[a-z]+)*#\d+\.\d+")  # zhengzhou-opinions#2.4: the API's, never the page's
ZHENGZHOU = "郑州开展铁拳专项行动的责任单位有哪些？"


@pytest.fixture(scope="module")
def desktop():
    driver = chromium(DESKTOP)
    yield driver
    close(driver)


@pytest.fixture(scope="module")
def phone():
    driver = chromium(PHONE, phone=True)
    yield driver
    close(driver)


def open_page(d, url):
    d.get(url)
    return wait(lambda: d.find_element(By.CSS_SELECTOR, "#pa-question textarea"), what="the question box")


def ask(d, text: str, answers_before: int | None = None):
    """Type and send a question; the newest answer once its final text (sources or a notice) is in."""
    B = By
    chat = d.find_element(B.ID, "pa-chat")
    before = len(chat.find_elements(B.CSS_SELECTOR, ".bot-row")) if answers_before is None else answers_before
    box = d.find_element(B.CSS_SELECTOR, "#pa-question textarea")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    return wait(lambda: next((r for r in chat.find_elements(B.CSS_SELECTOR, ".bot-row")[before:]
                              if r.find_elements(B.CSS_SELECTOR, ".pa-sources, blockquote")), None),
                timeout=90, what=f"the answer to {text}")


def open_tab(d, name: str) -> None:
    d.find_element(By.XPATH, f"//button[@role='tab' and contains(., '{name}')]").click()


def pick(d, dropdown_id: str, label_start: str) -> None:
    B = By
    d.find_element(B.CSS_SELECTOR, f"#{dropdown_id} input").click()
    wait(lambda: d.find_element(B.CSS_SELECTOR, f"li[data-testid='dropdown-option'][aria-label^='{label_start}']")).click()



def settled_english(d) -> list[str]:
    """English UI words once gradio's transient status ("Loading", shown for a moment under load) has gone."""
    try:
        wait(lambda: not english_words(d), timeout=15)
        return []
    except TimeoutError:
        return english_words(d)

def test_chat_on_a_desktop(server, desktop, tmp_path):
    B, d = By, desktop
    open_page(d, server.url)
    assert "知识产权保护政策问答助手" in d.find_element(B.CSS_SELECTOR, ".pa-header").text
    assert d.execute_script("return document.activeElement.closest('#pa-question') !== null"), "wide screen: focused"
    assert "右侧的常见问题" in d.find_element(B.ID, "pa-chat").text
    assert not any(b.is_displayed() for b in d.find_elements(B.CSS_SELECTOR, "#pa-chat .top-panel button"))

    # Gradio's fixed English "queue full" notice is shown in Chinese
    d.execute_script("const e = document.createElement('div'); e.id = 'busy-probe';"
                     "e.textContent = 'This application is currently busy. Please try again. ';"
                     "document.body.appendChild(e);")
    wait(lambda: d.find_element(B.ID, "busy-probe").text.startswith("系统繁忙"), timeout=5)
    d.execute_script("document.getElementById('busy-probe').remove()")
    # and its status line's words, which follow the browser's language (English: "Loading...", "processing |")
    d.execute_script("const e = document.createElement('div'); e.id = 'status-probe'; e.textContent = 'Loading...';"
                     "document.body.appendChild(e);")
    wait(lambda: d.find_element(B.ID, "status-probe").text == "加载中…", timeout=5)
    d.execute_script("const e = document.getElementById('status-probe'); e.firstChild.nodeValue = 'processing | 1.2s';")
    wait(lambda: d.find_element(B.ID, "status-probe").text == "处理中 | 1.2s", timeout=5)
    d.execute_script("document.getElementById('status-probe').remove()")

    # an empty question: a line under the box, no toast
    d.find_element(B.ID, "pa-send").click()
    wait(lambda: "请先输入一个问题" in d.find_element(B.ID, "pa-status").text)
    assert not d.find_elements(B.CSS_SELECTOR, "[data-testid='toast-body']")

    # the answer, then its sources under it, named by their printed labels
    answer = ask(d, ZHENGZHOU)
    assert "金水海关" in answer.text and "引用来源（1 条" in answer.text
    summary = answer.find_element(B.CSS_SELECTOR, "details.pa-source summary")
    assert summary.text == "[1] 《郑州市关于强化知识产权保护的实施意见》二、（四）加强行政保护"
    d.save_screenshot(str(tmp_path / "chat.png"))

    # [1] in the answer opens its source, with the quote highlighted
    answer.find_element(B.CSS_SELECTOR, "a.pa-ref").click()
    source = answer.find_element(B.CSS_SELECTOR, "details.pa-source")
    wait(lambda: source.get_attribute("open") is not None, what="the source opened by [1]")
    mark = wait(lambda: source.find_element(B.CSS_SELECTOR, "mark"))
    assert "铁拳" in mark.text and in_view(d, source)
    assert "二、推动落实知识产权“严保护”" in source.text and "金水海关" in source.text
    d.save_screenshot(str(tmp_path / "source.png"))

    # a follow-up: its answer is in view, not left below the previous one
    follow = ask(d, "那新乡呢？")  # the follow-up
    assert "新乡" in follow.text
    wait(lambda: in_view(d, follow), timeout=5, what="the newest answer in view")
    assert in_view(d, d.find_elements(B.CSS_SELECTOR, "#pa-chat .user-row")[-1])

    # copying: plain text with the citations, no markup, no internal ids
    d.execute_script("window.__copied = null; navigator.clipboard.writeText = async (t) => { window.__copied = t; };")
    d.find_element(B.ID, "pa-copy").click()
    copied = wait(lambda: d.execute_script("return window.__copied"), what="the copied answer")
    assert "新乡" in copied and "[1]" in copied and "引用来源：" in copied and "责任单位：" in copied
    assert "<" not in copied and not CLAUSE_ID.search(copied)
    d.find_element(B.ID, "pa-copy-all").click()
    wait(lambda: "问：郑州开展铁拳" in (d.execute_script("return window.__copied") or ""))
    assert "<" not in d.execute_script("return window.__copied")

    # no English, no internal id anywhere on the chat tab
    for s in d.find_elements(B.CSS_SELECTOR, "#pa-chat details.pa-source"):
        d.execute_script("arguments[0].open = true", s)
    assert settled_english(d) == []
    assert not CLAUSE_ID.search(d.execute_script("return document.body.innerText"))


def test_a_decline_under_a_filter_names_it_and_offers_to_clear_it(server, desktop):
    B, d = By, desktop
    open_page(d, server.url)
    d.find_element(B.XPATH, "//*[@id='pa-places']//label[contains(., '新乡')]").click()
    bar = wait(lambda: d.find_element(B.ID, "pa-filter-bar"))
    assert "当前检索范围：新乡" in bar.text
    declined = ask(d, ZHENGZHOU)
    assert "检索范围：新乡（已筛选）" in declined.text
    assert "在已选的“新乡”范围内没有找到" in declined.text and "清除筛选后再问" in declined.text
    assert "这些文件（" not in declined.text  # not "the documents do not cover it": the filter is the reason

    declined.find_element(B.CSS_SELECTOR, "a.pa-clear-filter").click()
    wait(lambda: not d.find_elements(B.ID, "pa-filter-bar"), what="the filter cleared")
    assert not any(i.is_selected() for i in d.find_elements(B.CSS_SELECTOR, "#pa-places input"))
    again = ask(d, ZHENGZHOU)
    assert "金水海关" in again.text and "检索范围" not in again.text


def test_a_long_paste_keeps_its_question_and_says_what_was_cut(server, desktop):
    B, d = By, desktop
    open_page(d, server.url)
    paste = "本意见所称知识产权保护，是指依法加强行政执法，完善保护体系。" * 100 + "\n请问" + ZHENGZHOU
    d.execute_script("const t = document.querySelector('#pa-question textarea'); t.value = arguments[0];"
                     "t.dispatchEvent(new Event('input', {bubbles: true}));", paste)
    counter = d.find_element(B.ID, "pa-counter")
    wait(lambda: "超出上限" in counter.text, what="the counter over the cap")
    assert counter.text.startswith(f"{len(paste.strip()):,} / 500 字")
    before = len(d.find_elements(B.CSS_SELECTOR, "#pa-chat .bot-row"))
    d.find_element(B.ID, "pa-send").click()
    answer = wait(lambda: next((r for r in d.find_elements(B.CSS_SELECTOR, "#pa-chat .bot-row")[before:]
                                if r.find_elements(B.CSS_SELECTOR, ".pa-sources")), None), timeout=90)
    assert "金水海关" in answer.text  # the question at the end was searched, not the first 500 characters
    assert "问题过长" in answer.text and "只按最后的问题部分" in answer.text and "未用于检索" in answer.text
    assert "已折叠" in d.find_elements(B.CSS_SELECTOR, "#pa-chat .user-row")[-1].text
    wait(lambda: in_view(d, answer), timeout=5, what="the answer in view")
    wait(lambda: counter.text == "0 / 500 字", timeout=5, what="the counter reset")


def test_the_document_browser(server, desktop, tmp_path):
    B, d = By, desktop
    open_page(d, server.url)
    open_tab(d, "文件浏览")
    pick(d, "pa-br-doc", "信阳｜信阳市推动")
    view = wait(lambda: d.find_element(B.ID, "pa-br-view").find_elements(B.CSS_SELECTOR, "details.pa-measure")
                and d.find_element(B.ID, "pa-br-view"))
    assert "信知战联办〔2021〕1号" in view.text
    date = view.find_element(B.XPATH, ".//dt[.='日期']")
    assert d.execute_script("const r = arguments[0].getBoundingClientRect();"
                            "return r.height < 1.6 * parseFloat(getComputedStyle(arguments[0]).lineHeight || 24)", date)
    first = view.find_element(B.CSS_SELECTOR, "details.pa-measure summary")
    first.click()
    body = wait(lambda: view.find_element(B.CSS_SELECTOR, "details.pa-measure[open] .pa-text"))
    assert "指导思想" in first.text and body.text.startswith("以习近平")  # the heading apart from its text
    gap = d.execute_script("return arguments[1].getBoundingClientRect().top - arguments[0].getBoundingClientRect().bottom",
                           first, body)
    assert 0 <= gap < 60, gap  # the text opens at the click
    assert not view.find_elements(B.CSS_SELECTOR, "input, textarea, [contenteditable='true'], table")
    assert "六、工作要求" in view.text and "各县区市场监督管理局" in view.text  # a chapter's own text
    d.save_screenshot(str(tmp_path / "browse.png"))
    assert settled_english(d) == [] and not CLAUSE_ID.search(view.text)


def test_the_responsibility_explorer(server, desktop, tmp_path):
    B, d = By, desktop
    open_page(d, server.url)
    open_tab(d, "责任分工")
    query = wait(lambda: d.find_element(B.CSS_SELECTOR, "#pa-dept-query textarea, #pa-dept-query input"))
    query.send_keys("市场监管局")
    query.send_keys(Keys.ENTER)
    labels = wait(lambda: d.find_elements(B.CSS_SELECTOR, "#pa-dept-pick label"))
    texts = [x.text for x in labels]
    assert any(re.fullmatch(r"信阳 · 市市场监管局（\d+ 项）", t) for t in texts), texts
    next(x for x in labels if x.text.startswith("信阳")).click()
    wait(lambda: "一、（一）" in d.find_element(B.ID, "pa-dept-table").text)
    assert "共承担" in d.find_element(B.ID, "pa-dept-summary").text
    assert not CLAUSE_ID.search(d.find_element(B.ID, "pa-dept-table").text)  # printed numbers, no ids
    # one matching department is picked at once; a row opens its measure; the table downloads
    query.clear()
    query.send_keys("郑州公安局")
    query.send_keys(Keys.ENTER)
    wait(lambda: "郑州 · 市公安局" in d.find_element(B.ID, "pa-dept-summary").text)
    wait(lambda: "二、（三）" in d.find_element(B.ID, "pa-dept-table").text)
    assert d.find_element(B.CSS_SELECTOR, "#pa-dept-xlsx").is_displayed()
    cell = next(c for c in d.find_elements(B.CSS_SELECTOR, "#pa-dept-table [role='gridcell']") if c.text == "严格司法保护")
    cell.click()
    wait(lambda: "**" not in d.find_element(B.ID, "pa-dept-measure").text
         and "市中级人民法院" in d.find_element(B.ID, "pa-dept-measure").text)
    d.save_screenshot(str(tmp_path / "explorer.png"))

    # the matrix of a document: a heatmap picture and a CSV download
    pick(d, "pa-mx-doc", "郑州")
    wait(lambda: d.execute_script("const i = document.querySelector('#pa-mx-image img');"
                                  "return i && i.complete && i.naturalWidth > 0"), what="the heatmap")
    assert "个责任单位" in d.find_element(B.ID, "pa-mx-note").text
    assert "二、（四）" in d.find_element(B.ID, "pa-doc-table").text and d.find_element(B.ID, "pa-doc-xlsx").is_displayed()
    d.save_screenshot(str(tmp_path / "matrix.png"))

    # no English and no internal id on the tab, nor in what it downloads: file names, the CSVs' header rows
    assert settled_english(d) == []  # gradio's table and image buttons too
    assert not CLAUSE_ID.search(d.execute_script("return document.body.innerText"))
    folder = tmp_path / "downloads"
    folder.mkdir()
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    buttons = ["pa-dept-xlsx", "pa-dept-csv", "pa-doc-csv", "pa-mx-csv"]
    for i, button in enumerate(buttons, 1):
        d.find_element(B.ID, button).click()
        wait(lambda i=i: len([f for f in folder.iterdir() if not f.name.endswith(".crdownload")]) == i,
             what=f"the download of {button}")
    names = sorted(f.name for f in folder.iterdir())
    assert any(n.endswith(".xlsx") for n in names) and not any(CLAUSE_ID.search(n) for n in names), names
    for csv in folder.glob("*.csv"):
        header = csv.read_text(encoding="utf-8-sig").splitlines()[0]
        assert header and not CLAUSE_ID.search(header) and "clause" not in header.lower(), (csv.name, header)


def test_on_a_phone(server, phone, tmp_path):
    B, d = By, phone
    open_page(d, server.url)
    assert d.execute_script("return window.innerWidth") == PHONE[0]
    wait(lambda: "下方的常见问题" in d.find_element(B.ID, "pa-chat").text, what="the placeholder pointing down")
    assert "右侧" not in d.find_element(B.ID, "pa-chat").text
    header = d.find_element(B.CSS_SELECTOR, ".pa-header")
    tabs = d.find_element(B.XPATH, "//button[@role='tab' and contains(., '文件浏览')]")
    assert d.execute_script("return window.scrollY") == 0 and in_view(d, header) and in_view(d, tabs)
    assert d.execute_script("return document.activeElement.tagName") != "TEXTAREA"  # no keyboard, no jump
    d.save_screenshot(str(tmp_path / "phone.png"))

    ask(d, ZHENGZHOU)
    follow = ask(d, "那信阳呢？")
    wait(lambda: in_view(d, follow), timeout=5, what="the newest answer in view on the phone")
    follow.find_element(B.CSS_SELECTOR, "a.pa-ref").click()
    source = follow.find_element(B.CSS_SELECTOR, "details.pa-source")
    wait(lambda: source.get_attribute("open") is not None)
    width = d.execute_script("return arguments[0].getBoundingClientRect().width", source)
    assert width >= 0.8 * PHONE[0], width  # a source fills the width, not a nested box
    assert settled_english(d) == []

    open_tab(d, "文件浏览")
    pick(d, "pa-br-doc", "郑州")
    measures = wait(lambda: d.find_elements(B.CSS_SELECTOR, "#pa-br-view details.pa-measure summary"))
    late = measures[len(measures) // 2]
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", late)
    late.click()
    text = wait(lambda: d.find_element(B.CSS_SELECTOR, "#pa-br-view details.pa-measure[open] .pa-text"))
    assert in_view(d, text), "the clause opens where it was tapped"
    d.save_screenshot(str(tmp_path / "phone-browse.png"))
