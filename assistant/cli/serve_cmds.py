"""`serve`: the chat page and its `/ask` API, on loopback unless told otherwise."""

from __future__ import annotations

import argparse
import os
import sys
import time

from ..settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="启动问答网页（默认只监听本机 127.0.0.1:7860），并提供 /ask 接口")
    p.add_argument("--host", default=None, help="监听地址（默认 127.0.0.1，仅本机可访问；env POLICY_HOST）")
    p.add_argument("--port", type=int, default=None, help="端口（默认 7860；env POLICY_PORT）")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    t0 = time.perf_counter()
    updates = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings(**{**settings.model_dump(), **updates}) if updates else settings

    from ..pipeline import Assistant  # noqa: PLC0415
    from ..web import build_app, launch  # noqa: PLC0415 - gradio loads only for this command

    print("正在加载文件与检索索引…", file=sys.stderr, flush=True)
    assistant = Assistant(settings)
    assistant.warm_up()  # embedder and index now, so the first question is fast
    app = build_app(assistant, settings)
    url = launch(app, settings)
    print(f"问答网页已就绪（{time.perf_counter() - t0:.1f} 秒）：{url}", flush=True)
    print(f"API：gradio_client.Client(\"{url}\").predict(\"问题\", api_name=\"/ask\")；按 Ctrl+C 停止。",
          file=sys.stderr, flush=True)
    try:
        while app.is_running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("已停止。", file=sys.stderr)
    finally:
        app.close(verbose=False)
    return 0
