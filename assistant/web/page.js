// The chat page's behaviour that Gradio has no option for; loaded in <head> after window.PA = {busy, max}.
(() => {
  const PA = window.PA || {busy: "", max: 500};
  const $ = (sel, root = document) => root.querySelector(sel);

  // Gradio's own strings that its Chinese translation lacks: the queue-full notice ("This application is
  // currently busy"), a screen-reader status, tooltips and labels of its chat, dropdown, table and image.
  // (Its status line follows the browser's language, and an English browser's would read "Loading...".)
  const TEXTS = [
    [/^.*currently busy.*$/, () => PA.busy], [/^common\.complete$/, () => "已完成"], [/^Loading(\.\.\.)?$/, () => "加载中…"],
    [/^processing \|/, () => "处理中 |"], [/^queue: /, () => "排队："],
  ];
  const LABELS = [
    [/^Clear$/, () => "清除"], [/^Remove\b.*/, () => "移除"], [/^chatbot conversation$/, () => "对话记录"],
    [/^user's message: /, (el) => "提问：" + el.textContent.trim().slice(0, 300)],
    [/^bot's message: /, (el) => "回答：" + el.textContent.trim().slice(0, 300)],
    [/^Table actions$/, () => "表格操作"], [/^Copy table data$/, () => "复制表格"], [/^Copied/, () => "已复制"],
    [/^Exit full ?screen$/i, () => "退出全屏"], [/^Full ?screen$/i, () => "全屏"], [/^Download$/, () => "下载"],
  ];
  const fixText = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (const [re, zh] of TEXTS) {
        const v = n.nodeValue ? n.nodeValue.trim() : "";
        if (re.test(v)) n.nodeValue = v.replace(re, zh());
      }
    }
  };
  const fixLabel = (el) => {
    for (const attr of ["title", "aria-label"]) {
      const v = el.getAttribute(attr);
      if (!v) continue;
      for (const [re, zh] of LABELS) if (re.test(v)) { el.setAttribute(attr, zh(el)); break; }
    }
  };
  const fixLabels = (root) => {
    if (root.nodeType !== 1) return;
    fixLabel(root);
    root.querySelectorAll("[title], [aria-label]").forEach(fixLabel);
  };

  // The counter under the question box; over the cap it says what sending will do.
  const count = () => {
    const box = $("#pa-question textarea"), out = $("#pa-counter");
    if (!box || !out) return;
    const n = box.value.trim().length;
    const over = n > PA.max;
    const text = over
      ? `${n.toLocaleString()} / ${PA.max} 字：超出上限，发送后只按最后的问题部分检索，其余内容不用于检索（回答中会注明）`
      : `${n} / ${PA.max} 字`;
    if (out.textContent !== text) out.textContent = text;
    out.classList.toggle("pa-over", over);
  };

  // Examples beside the chat (wide screen) or below it (phone): the placeholder says which.
  let stacked = false, known = false;
  const layout = () => {
    const chat = $("#pa-chat"), side = $("#pa-places");
    if (!chat || !side) return;
    known = true;
    stacked = side.getBoundingClientRect().top >= chat.getBoundingClientRect().bottom - 1;
    // set on the spans themselves: gradio scopes the page's CSS inside its container
    document.querySelectorAll(".pa-wide").forEach((e) => { e.style.display = stacked ? "none" : "inline"; });
    document.querySelectorAll(".pa-narrow").forEach((e) => { e.style.display = stacked ? "inline" : "none"; });
  };

  // A new question: scroll the chat so that it and the start of its answer are in view, and the chat itself
  // in the window (a phone), and keep it there while the answer and its sources arrive, until the user
  // scrolls (Gradio's own autoscroll follows the bottom, off the start of a long answer: it is off).
  let asked = 0, pinned = null;
  const follow = () => {
    const chat = $("#pa-chat");
    if (!chat) return;
    const rows = chat.querySelectorAll(".message-row.user-row");
    if (rows.length > asked) {
      pinned = rows[rows.length - 1];
      const c = chat.getBoundingClientRect();
      if (c.top < 0 || c.bottom > window.innerHeight) window.scrollBy(0, c.top - 8);
    }
    asked = rows.length;
    if (pinned && pinned.isConnected) reveal(chat, pinned);
  };
  const unpin = (ev) => { if (ev.target.closest && ev.target.closest("#pa-chat")) pinned = null; };
  ["wheel", "touchmove", "mousedown"].forEach((t) => document.addEventListener(t, unpin, {passive: true}));
  const scroller = (el, stop) => {
    for (let p = el.parentElement; p && p !== stop.parentElement; p = p.parentElement) {
      if (p.scrollHeight > p.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(p).overflowY)) return p;
    }
    return null;
  };
  const reveal = (chat, row) => {
    const box = scroller(row, chat);
    if (!box) return;
    let answer = row.nextElementSibling;
    while (answer && !answer.classList.contains("bot-row")) answer = answer.nextElementSibling;
    const top = box.getBoundingClientRect().top;
    let target = row.getBoundingClientRect().top - top - 8;
    if (answer) target = Math.max(target, answer.getBoundingClientRect().top - top - 0.35 * box.clientHeight);
    if (Math.abs(target) > 2) box.scrollTop += target;
  };

  // The first visit: the question box takes the focus on a wide screen, without scrolling the page; on a
  // phone it does not (the keyboard would cover the page and the browser would scroll to the box).
  let focused = false;
  const focusOnce = () => {
    const box = $("#pa-question textarea");
    if (focused || !box || !known) return;
    focused = true;
    if (!stacked) box.focus({preventScroll: true});
  };

  const note = (text) => {
    const el = document.createElement("div");
    el.className = "pa-note";
    el.setAttribute("role", "status");
    el.textContent = text;
    document.querySelectorAll(".pa-note").forEach((old) => old.remove());
    ($(".gradio-container") || document.body).appendChild(el);
    setTimeout(() => el.remove(), 1800);
  };

  // Copy plain text (the answer and its sources, no markup); a page served beyond loopback over http has no
  // navigator.clipboard, so fall back to a selected textarea.
  window.paCopy = async (text, done) => {
    if (!text) { note("还没有可复制的回答"); return []; }
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch (e) { ok = false; }
    if (!ok) {
      const t = document.createElement("textarea");
      t.value = text;
      t.style.cssText = "position:fixed;opacity:0;top:0;left:0";
      document.body.appendChild(t);
      t.select();
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      t.remove();
    }
    note(ok ? done : "复制失败：请选中文字后手动复制");
    return [];
  };

  // [n] opens and shows its source; the decline's link clears the filter.
  document.addEventListener("click", (ev) => {
    const ref = ev.target.closest && ev.target.closest("a.pa-ref");
    if (ref) {
      ev.preventDefault();
      const id = (ref.getAttribute("href") || "").slice(1);
      const src = id && document.getElementById(id);
      if (!src) return;
      src.open = true;
      src.scrollIntoView({block: "nearest"});
      src.classList.add("pa-flash");
      setTimeout(() => src.classList.remove("pa-flash"), 1500);
      return;
    }
    const clear = ev.target.closest && ev.target.closest("a.pa-clear-filter");
    if (clear) {
      ev.preventDefault();
      const button = $("#pa-clear-filter");
      if (button) button.click();
    }
  }, true);
  document.addEventListener("input", (ev) => { if (ev.target.closest && ev.target.closest("#pa-question")) count(); });
  window.addEventListener("resize", layout);

  let queued = false;
  new MutationObserver((ms) => {
    for (const m of ms) {
      if (m.type === "attributes") { fixLabel(m.target); continue; }
      if (m.type === "characterData") { fixText(m.target.parentNode || document.body); continue; }
      for (const a of m.addedNodes) {
        fixText(a.nodeType === 1 ? a : a.parentNode || document.body);
        fixLabels(a);
      }
    }
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      layout();
      focusOnce();
      follow();
      count();
    });
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true, attributes: true,
                                        attributeFilter: ["title", "aria-label"]});
})();
