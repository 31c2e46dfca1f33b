"""What declining by another matter costs: embedding the bank once, and per question the nearest matter.

    python benchmarks/other_matters.py [-n 200]

Prints the bank's size and embedding time, the nearest-matter look-up's median over n questions (the
question's own vector comes from the query cache the dense search filled), and the answer p50 of
questions that reach the look-up against those that do not.
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistant import Assistant, Settings
from assistant.judge import may_be_other_matter

QUESTIONS = ["我在郑州辞职了，社保怎么转？", "新乡哪里可以办营业执照？", "我们的歌被人拿去当背景音乐，郑州管吗？",
             "信阳的小区物业乱收费找谁？", "瑶海区的插画被人印在杯子上卖怎么办？", "明天郑州会下雨吗？",
             "郑州对专利侵权有什么措施？", "信阳知识产权质押融资目标是多少？"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=200)
    n = ap.parse_args().n
    a = Assistant(Settings())
    a.warm_up()
    t = time.perf_counter()
    a.prepare_other_matters()
    bank_s = time.perf_counter() - t
    rows = len(a.other_matters.matrix())
    look, with_bank, without = [], [], []
    for i in range(n):
        text = QUESTIONS[i % len(QUESTIONS)]
        q = a.understand(text)
        t = time.perf_counter()
        a.other_matters.nearest(q.norm)
        look.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        a.ask(text)
        (with_bank if may_be_other_matter(q) else without).append((time.perf_counter() - t) * 1000)
    print(f"bank: {rows} questions embedded in {bank_s:.2f} s (once per process; a server does it after loading)")
    print(f"nearest matter: p50 {statistics.median(look):.3f} ms over {n}")
    print(f"answer p50: questions that reach the look-up {statistics.median(with_bank):.1f} ms ({len(with_bank)}), "
          f"the others {statistics.median(without):.1f} ms ({len(without)})")


if __name__ == "__main__":
    main()
