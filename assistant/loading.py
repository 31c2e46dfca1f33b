"""The assistant built in a background thread, so that a server can answer before it has loaded.

`policy-assistant serve` shows its page in ~2 s; jieba, the keyword index, the embedder and Chroma take as long again
and load after it: once the page has been drawn in a browser (loading meanwhile would slow the page's own requests:
one process, one GIL), at the first question, or a few seconds after start, whichever comes first. The first
question waits for them (the page says "正在加载…").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from index import Corpus

if TYPE_CHECKING:
    from .pipeline import Assistant
    from .settings import Settings


def _quietly(step: Callable[[], None]) -> None:
    """A preparation that may fail without harm: the step runs again, and reports, where it is needed."""
    try:
        step()
    except Exception:  # noqa: BLE001, S110 - raised again at the question that needs it
        pass


class Loading:
    """`get()` waits for the assistant; a failure to load is raised to every caller, and kept in `error`."""

    def __init__(self, corpus: Corpus, settings: Settings, build: Callable[[], Assistant]):
        self.corpus = corpus  # what a page needs to be drawn: documents and clauses, parsed in milliseconds
        self.settings = settings
        self._build = build
        self._done = threading.Event()
        self._started = False
        self._lock = threading.Lock()
        self._assistant: Assistant | None = None
        self.error: BaseException | None = None

    @classmethod
    def of(cls, settings: Settings, corpus: Corpus) -> Loading:
        """Not started: `start()` it once the page is served."""

        def build() -> Assistant:
            from .pipeline import Assistant  # noqa: PLC0415 - jieba, scipy, the speller: after the page is up

            assistant = Assistant(settings, corpus=corpus)
            assistant.warm_up()
            threading.Thread(target=_quietly, args=(assistant.prepare_other_matters,), name="other-matters",
                             daemon=True).start()
            return assistant

        return cls(corpus, settings, build)

    @classmethod
    def ready_made(cls, assistant: Assistant) -> Loading:
        done = cls(assistant.corpus, assistant.settings, lambda: assistant)
        done._assistant = assistant
        done._started = True
        done._done.set()
        return done

    def start(self) -> Loading:
        """Begin loading (once; later calls do nothing)."""
        with self._lock:
            if self._started:
                return self
            self._started = True
        threading.Thread(target=self._run, name="assistant-loading", daemon=True).start()
        return self

    def start_after(self, seconds: float) -> Loading:
        """Begin loading in `seconds` unless something has begun it before."""
        timer = threading.Timer(seconds, self.start)
        timer.daemon = True
        timer.start()
        return self

    def _run(self) -> None:
        try:
            self._assistant = self._build()
        except BaseException as exc:  # noqa: BLE001 - raised to each caller of get(); serve reports it and exits
            self.error = exc
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def get(self) -> Assistant:
        """The assistant, loaded now if nothing has begun loading it."""
        self.start()
        self._done.wait()
        if self.error is not None:
            raise self.error
        assert self._assistant is not None
        return self._assistant
