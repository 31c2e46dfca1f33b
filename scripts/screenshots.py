"""Refresh the README's screenshots (docs/screenshots/*.png) from the real page in headless Chromium: a desktop
window (1400×1000) and a phone (390×844). The tests never write them; run this after changing the page.

Usage: .venv/bin/python scripts/screenshots.py [--data-dir DIR]   (an index is built in DIR first when missing)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import DESKTOP, PHONE, chromium, close, wait  # noqa: E402
from tests.servers import Server  # noqa: E402

SHOTS = ROOT / "docs" / "screenshots"
QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"


def send(d, text: str):
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    before = len(d.find_elements(By.CSS_SELECTOR, "#pa-chat .bot-row"))
    box = wait(lambda: d.find_element(By.CSS_SELECTOR, "#pa-question textarea"))
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    return wait(lambda: next((r for r in d.find_elements(By.CSS_SELECTOR, "#pa-chat .bot-row")[before:]
                              if r.find_elements(By.CSS_SELECTOR, ".pa-sources, blockquote")), None), timeout=120)


def pick(d, dropdown_id: str, label_start: str) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    d.find_element(By.CSS_SELECTOR, f"#{dropdown_id} input").click()
    wait(lambda: d.find_element(By.CSS_SELECTOR, f"li[data-testid='dropdown-option'][aria-label^='{label_start}']")).click()


def tab(d, name: str) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    d.find_element(By.XPATH, f"//button[@role='tab' and contains(., '{name}')]").click()


def desktop(url: str) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    d = chromium(DESKTOP)
    try:
        d.get(url)
        send(d, "我们的商标在网上被仿冒了，郑州有什么渠道维权？")
        answer = send(d, QUESTION)
        d.save_screenshot(str(SHOTS / "chat.png"))
        answer.find_element(By.CSS_SELECTOR, "a.pa-ref").click()
        wait(lambda: answer.find_element(By.CSS_SELECTOR, "details.pa-source[open] mark"))
        d.save_screenshot(str(SHOTS / "source.png"))

        tab(d, "责任分工")
        query = wait(lambda: d.find_element(By.CSS_SELECTOR, "#pa-dept-query textarea, #pa-dept-query input"))
        query.send_keys("市场监管局")
        query.send_keys(Keys.ENTER)
        labels = wait(lambda: d.find_elements(By.CSS_SELECTOR, "#pa-dept-pick label"))
        next(x for x in labels if x.text.startswith("信阳")).click()
        wait(lambda: "共承担" in d.find_element(By.ID, "pa-dept-summary").text)
        d.save_screenshot(str(SHOTS / "explorer.png"))
        pick(d, "pa-mx-doc", "郑州")
        wait(lambda: d.execute_script("const i = document.querySelector('#pa-mx-image img');"
                                      "return i && i.complete && i.naturalWidth > 0"))
        d.execute_script("document.querySelector('#pa-mx-doc').scrollIntoView({block: 'start'})")
        d.save_screenshot(str(SHOTS / "matrix.png"))

        tab(d, "文件浏览")
        pick(d, "pa-br-doc", "郑州")
        measures = wait(lambda: d.find_elements(By.CSS_SELECTOR, "#pa-br-view details.pa-measure summary"))
        target = next(m for m in measures if "加强行政保护" in m.text)
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
        target.click()
        d.save_screenshot(str(SHOTS / "browse.png"))
    finally:
        close(d)


def phone(url: str) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    d = chromium(PHONE, phone=True)
    try:
        d.get(url)
        send(d, QUESTION)
        answer = send(d, "那信阳呢？")
        answer.find_element(By.CSS_SELECTOR, "a.pa-ref").click()
        wait(lambda: answer.find_element(By.CSS_SELECTOR, "details.pa-source[open] mark"))
        d.save_screenshot(str(SHOTS / "phone.png"))
    finally:
        close(d)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="index folder (default: a temp folder, index built first)")
    args = ap.parse_args()
    SHOTS.mkdir(parents=True, exist_ok=True)
    server = Server(args.data_dir or Path(tempfile.mkdtemp(prefix="screenshots-")))
    try:
        desktop(server.url)
        phone(server.url)
    finally:
        server.stop()
    print(f"screenshots written to {SHOTS.relative_to(ROOT)}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
