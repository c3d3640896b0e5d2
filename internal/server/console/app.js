// renkei console: a static front end for the JSON API of the Go server.
// Plain ES2020, no dependencies. Server data is only ever rendered through
// textContent / text nodes, and links are restricted to http(s), tel: and mailto:.
"use strict";

(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
  const TOKEN_KEY = "renkei.token";
  const MAX_QUESTION = 500;
  const MSG = {
    network: "通信に失敗しました。時間をおいて再度お試しください。",
    400: "入力内容を確認してください。",
    401: "アクセスにはトークンが必要です。URLに ?token=... を付けて開いてください。",
    413: "質問が長すぎます。",
  };
  const KIND_LABEL = { measure: "施策", event: "交流会・イベント", deadline: "期限", contact: "問い合わせ先" };
  const WEEKDAYS = "日月火水木金土";

  let authToken = "";
  let busy = false;

  // ---- small helpers -------------------------------------------------------
  // el builds an element; strings among children become text nodes.
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = String(v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) if (c != null && c !== false && c !== "") node.append(c);
    return node;
  }

  const list = (v) => (Array.isArray(v) ? v : []);
  const para = (cls, text) => (text ? el("p", { class: cls, text: String(text) }) : null);

  // safeUrl returns an absolute http(s) URL, or "" for anything else.
  function safeUrl(u) {
    try {
      const url = typeof u === "string" && u.trim() ? new URL(u.trim(), location.href) : null;
      return url && /^https?:$/.test(url.protocol) ? url.href : "";
    } catch { return ""; }
  }

  function extLink(url, text, cls) {
    const href = safeUrl(url);
    if (!href) return null;
    return el("a", { href, class: cls, target: "_blank", rel: "noopener", "aria-describedby": "newtab-note", text: text || href });
  }

  // tokyoDate returns YYYY-MM-DD in Asia/Tokyo, offset by whole days.
  function tokyoDate(offsetDays = 0) {
    const p = {};
    const fmt = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit" });
    for (const { type, value } of fmt.formatToParts(Date.now() + offsetDays * 86400000)) p[type] = value;
    return `${p.year}-${p.month}-${p.day}`;
  }

  function ymd(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(typeof s === "string" ? s : "");
    return m ? { y: +m[1], m: +m[2], d: +m[3] } : null;
  }

  // fmtDate renders 2023年10月19日(木), or coarser forms by precision.
  function fmtDate(s, precision, withYear = true) {
    const t = ymd(s);
    if (!t) return typeof s === "string" ? s : "";
    if (precision === "month") return `${t.y}年${t.m}月`;
    if (precision === "fiscal-year") return `${t.m >= 4 ? t.y : t.y - 1}年度`;
    if (precision === "year") return `${t.y}年`;
    const wd = WEEKDAYS[new Date(Date.UTC(t.y, t.m - 1, t.d)).getUTCDay()];
    return `${withYear ? t.y + "年" : ""}${t.m}月${t.d}日(${wd})`;
  }

  function fmtRange(start, end, precision, planned) {
    let s = fmtDate(start, precision);
    if (precision === "month" && planned) return s + "（予定）";
    const a = ymd(start), b = ymd(end);
    const sameDay = !a || !b || end.slice(0, 10) === start.slice(0, 10);
    return precision && precision !== "day" || sameDay ? s : `${s}～${fmtDate(end, precision, a.y !== b.y)}`;
  }

  function daysBetween(from, to) {
    const a = ymd(from), b = ymd(to);
    if (!a || !b) return null;
    return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86400000);
  }

  function setEdition(edition) {
    if (!Number(edition)) return;
    Object.assign($("#edition"), { textContent: `${Number(edition)}年度版`, hidden: false });
  }

  // ---- API -----------------------------------------------------------------
  // apiError carries the HTTP status (0 for network and parse errors).
  const apiError = (status) => Object.assign(new Error(`HTTP ${status}`), { status, api: true });

  // api calls the JSON API and returns the parsed body; it throws apiError.
  async function api(path, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    if (authToken) headers.Authorization = `Bearer ${authToken}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 30000);
    try {
      const res = await fetch(path, {
        method, headers, signal: ctrl.signal, cache: "no-store", credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw apiError(res.status);
      const text = await res.text();
      return text ? JSON.parse(text) : null;
    } catch (err) {
      throw err && err.api ? err : apiError(0);
    } finally {
      clearTimeout(timer);
    }
  }

  const errorMessage = (err, extra = {}) => extra[err && err.status] || MSG[err && err.status] || MSG.network;
  const errorBox = (text) => el("p", { class: "error", role: "alert", text });

  // ---- 質問 -----------------------------------------------------------------
  const askForm = $("#ask-form"), qInput = $("#question"), nowInput = $("#now"), log = $("#log");

  function showHint(text) {
    $("#ask-hint").textContent = text;
    qInput.setAttribute("aria-invalid", String(Boolean(text)));
  }

  // submitAsk goes through the form's submit handler, like pressing 送信.
  function submitAsk() {
    if (typeof askForm.requestSubmit === "function") askForm.requestSubmit();
    else askForm.dispatchEvent(new Event("submit", { cancelable: true }));
  }

  const scrollToNode = (node) => { log.scrollTop = Math.max(0, node.offsetTop - 12); };

  async function onAsk(ev) {
    ev.preventDefault();
    const question = qInput.value.trim();
    if (!question) {
      qInput.focus();
      return showHint("質問を入力してください。");
    }
    if ([...question].length > MAX_QUESTION) return showHint(MSG[413]);
    if (busy) return showHint("前の質問に回答しています。少々お待ちください。");
    showHint("");
    busy = true;
    log.setAttribute("aria-busy", "true");
    const now = DATE_RE.test(nowInput.value) ? nowInput.value : undefined;
    log.append(el("div", { class: "bubble user" }, el("span", { class: "visually-hidden", text: "質問: " }), question));
    qInput.value = "";
    const pending = el("div", { class: "bubble bot pending", text: "回答を作成しています…" });
    log.append(pending);
    scrollToNode(pending);
    let node;
    try {
      const reply = (await api("/api/ask", { method: "POST", body: { question, now } })) || {};
      node = renderReply(reply, question);
      setEdition(reply.edition);
    } catch (err) {
      node = el("div", { class: "bubble bot reply-error" }, errorBox(errorMessage(err)));
    }
    pending.replaceWith(node);
    log.removeAttribute("aria-busy");
    busy = false;
    scrollToNode(node);
  }

  function renderReply(r, asked) {
    const intent = typeof r.intent === "string" ? r.intent : "";
    const cards = list(r.cards), others = list(r.others);
    return el("div", { class: "bubble bot reply", dataset: { intent } },
      el("span", { class: "visually-hidden", text: "回答: " }),
      para("lead", r.lead),
      cards.length ? el("div", { class: "cards" }, cards.map(renderCard)) : para("reply-text", extraText(r)),
      others.length ? renderOthers(others, intent === "candidates" ? "ほかの候補" : "関連") : null,
      para("notice", r.notice),
      cards.length ? renderFeedback(r.question || asked, cards[0]) : null);
  }

  // extraText is the part of reply.text after the lead for replies with no
  // cards (help, examples, not found), without the trailing notice.
  function extraText(r) {
    if (!["help", "empty", "not_found"].includes(r.intent) || typeof r.text !== "string") return "";
    let t = r.text.trim();
    if (r.lead && t.startsWith(r.lead)) t = t.slice(r.lead.length);
    if (r.notice && t.trimEnd().endsWith(r.notice)) t = t.trimEnd().slice(0, -r.notice.length);
    return t.trim();
  }

  function renderOthers(others, label) {
    const id = `others-${Math.random().toString(36).slice(2, 9)}`;
    return el("div", { class: "others" },
      el("p", { class: "others-label", id, text: label }),
      el("ul", { class: "chips", "aria-labelledby": id }, others.filter((c) => c && c.title).map((c) => {
        const when = c.event && c.event.when ? `${c.event.when} ` : "";
        return el("li", {}, el("button", { type: "button", class: "chip", dataset: { ask: c.title }, text: when + c.title }));
      })));
  }

  // Card bodies, one renderer per kind; renderCard adds the common frame.
  const CARD_BODY = {
    measure: (c) => [para("summary", c.summary), c.collaboration
      ? el("section", { class: "collab" }, el("h4", { text: "連携イメージ" }), el("p", { text: c.collaboration })) : null],
    event: (c, e = c.event || {}) => [
      facts([["日時", e.when], ["形式", e.format], ["主催", Array.isArray(e.hosts) ? e.hosts.join("、") : e.host], ["会場", e.venue]]),
      para("summary", c.summary)],
    deadline: (c, d = c.deadline || {}) => [facts([["期限", d.when], ["施策", d.measure]]), para("summary", c.summary)],
    contact: (c) => [para("summary", c.summary)],
  };

  function renderCard(c) {
    const kind = c.kind || (c.event ? "event" : c.deadline ? "deadline" : "measure");
    const meta = [c.category, c.edition ? `${c.edition}年度版` : "", c.page > 0 ? `P.${c.page}` : ""].filter(Boolean).join(" ／ ");
    return el("article", { class: "card", dataset: { kind } },
      para("card-kind", KIND_LABEL[kind] || "情報"),
      el("h3", { class: "card-title", text: c.title || "（タイトルなし）" }),
      para("card-meta", meta),
      (CARD_BODY[kind] || CARD_BODY.measure)(c),
      renderLinks(c),
      renderContact(c.contact));
  }

  function facts(pairs) {
    const rows = pairs.filter(([, v]) => v).map(([k, v]) => el("div", { class: "fact" }, el("dt", { text: k }), el("dd", { text: v })));
    return rows.length ? el("dl", { class: "facts" }, rows) : null;
  }

  function renderLinks(c) {
    const detail = extLink(c.url, "詳細ページ", "button link-button");
    const extra = list(c.links).map((l) => (typeof l === "string" ? extLink(l) : l && extLink(l.url, l.title))).filter(Boolean);
    if (!detail && !extra.length) return null;
    return el("div", { class: "card-links" }, detail, extra.length ? para("links-label", "関連リンク") : null,
      extra.length ? el("ul", { class: "link-list" }, extra.map((a) => el("li", {}, a))) : null);
  }

  function renderContact(ct) {
    if (!ct || typeof ct !== "object") return null;
    const name = ct.name || [ct.org, ct.office].filter(Boolean).join(" ");
    const phone = typeof ct.phone === "string" ? ct.phone.trim() : "";
    const email = typeof ct.email === "string" && /^[^\s@<>"'()]+@[^\s@<>"'()]+$/.test(ct.email.trim()) ? ct.email.trim() : "";
    if (!name && !phone && !email) return null;
    const line = el("p", { class: "contact" }, el("span", { class: "contact-label", text: "問い合わせ: " }), name);
    if (phone) line.append(name ? " ／ " : "", "TEL ", el("a", { href: `tel:${phone.replace(/[^\d+]/g, "")}`, text: phone }));
    if (email) line.append(name || phone ? " ／ " : "", el("a", { href: `mailto:${email}`, text: email }));
    return line;
  }

  function renderFeedback(question, first) {
    const status = el("span", { class: "feedback-status", role: "status" });
    let sent = false;
    // Buttons stay focusable (aria-disabled) so keyboard focus is not lost.
    const mark = (sending, button) => {
      sent = sending;
      for (const b of buttons) b.setAttribute("aria-disabled", String(sending));
      button.setAttribute("aria-pressed", String(sending));
    };
    const send = async (good, button) => {
      if (sent) return;
      mark(true, button);
      try {
        await api("/api/feedback", { method: "POST", body: { question, answer_id: first.id || "", answer_title: first.title || "", good } });
        status.textContent = "ありがとうございます";
      } catch (err) {
        mark(false, button);
        status.textContent = errorMessage(err);
      }
    };
    const button = (good, label, text) => el("button", { type: "button", class: "feedback-button", "aria-label": label,
      "aria-pressed": "false", onclick: (e) => send(good, e.currentTarget), text });
    const buttons = [button(true, "役に立った", "👍"), button(false, "役に立たなかった", "👎")];
    return el("div", { class: "feedback", role: "group", "aria-label": "回答の評価" },
      el("span", { class: "feedback-question", text: "この回答は役に立ちましたか？" }), buttons, status);
  }

  // ---- 週次ダイジェスト -------------------------------------------------------
  function countdown(item, base) {
    let v = item.countdown;
    if (v == null || v === "") v = daysBetween(base, item.start);
    if (typeof v === "string") return { text: v, urgent: v === "本日" || /^あと[1-3]日$/.test(v) };
    if (typeof v !== "number") return null;
    if (v === 0) return { text: "本日", urgent: true };
    if (v < 0) return { text: item.kind === "event" ? "開催中" : "経過", urgent: false };
    return { text: `あと${v}日`, urgent: v <= 3 };
  }

  // renderDigest returns the nodes of the preview (nulls are dropped by runPanel).
  function renderDigest(d, base) {
    const items = list(d.items);
    const range = [fmtDate(d.from), fmtDate(d.to)].filter(Boolean).join(" ～ ");
    const groups = [["event", "交流会・イベント"], ["deadline", "期限"]].map(([kind, label]) => {
      const group = items.filter((it) => it && it.kind === kind);
      return group.length ? el("section", { class: "digest-group", dataset: { kind } },
        el("h4", { text: `${label}（${group.length}件）` }),
        el("ul", { class: "digest-list" }, group.map((it) => renderDigestItem(it, base)))) : null;
    });
    return [
      el("h3", { class: "result-title", text: `対象期間: ${range || "—"}` }),
      para("notice", d.stale),
      items.length ? null : para("empty", "この期間の予定はありません"),
      items.length ? null : para("next", d.next),
      ...groups,
      d.text ? el("details", { class: "digest-text" }, el("summary", { text: "投稿されるテキストを表示" }), el("pre", { text: d.text })) : null,
    ];
  }

  function renderDigestItem(it, base) {
    const cd = countdown(it, base);
    const title = extLink(it.url, it.title || it.url) || el("span", { text: it.title || "（タイトルなし）" });
    const measure = it.measure && !/^\d{4}-\d+-\d+/.test(it.measure) ? it.measure : "";
    return el("li", { class: "digest-item", dataset: { kind: it.kind } },
      cd ? el("span", { class: `badge${cd.urgent ? " urgent" : ""}`, text: cd.text }) : null,
      el("div", { class: "digest-body" },
        el("p", { class: "digest-title" }, title),
        facts([["日付", it.when || fmtRange(it.start || "", it.end || "", it.precision, it.kind === "event")],
          ["形式", it.format], ["主催", it.host], ["会場", it.venue], ["施策", measure]])));
  }

  // ---- レポート ---------------------------------------------------------------
  function table(title, cols, rows) {
    const id = `t-${Math.random().toString(36).slice(2, 9)}`;
    const section = el("section", { class: "report-section" }, el("h3", { id, text: title }));
    if (!rows.length) {
      section.append(el("p", { class: "empty", text: "該当なし" }));
      return section;
    }
    section.append(el("div", { class: "table-wrap", role: "region", "aria-labelledby": id, tabindex: "0" },
      el("table", {},
        el("thead", {}, el("tr", {}, cols.map(([label, , num]) => el("th", { scope: "col", class: num ? "num" : null, text: label })))),
        el("tbody", {}, rows.map((r) => el("tr", {}, cols.map(([, key, num]) => el("td", { class: num ? "num" : null, text: r[key] == null ? "" : String(r[key]) }))))))));
    return section;
  }

  function renderReport(r) {
    const stat = (label, v) => el("div", { class: "stat" }, el("dt", { text: label }), el("dd", { text: `${Number(v) || 0}件` }));
    return [
      el("h3", { class: "result-title", text: `${fmtDate(r.since) || "—"} 以降の集計` }),
      el("dl", { class: "stats" }, stat("質問数", r.questions), stat("見つからなかった質問", r.not_found)),
      table("見つからなかった質問", [["質問", "text"], ["件数", "n", true]], list(r.unanswered)),
      table("👎 が付いた回答", [["質問", "question"], ["回答", "answer_title"], ["件数", "n", true]], list(r.disliked)),
      table("よく聞かれた施策", [["施策", "text"], ["件数", "n", true]], list(r.topics)),
    ];
  }

  // runPanel wires a toolbar form to a GET endpoint and a result container.
  function runPanel(form, out, buildPath, render, extraErrors) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const path = buildPath();
      if (!path) return out.replaceChildren(errorBox(MSG[400]));
      out.setAttribute("aria-busy", "true");
      out.replaceChildren(el("p", { class: "loading", text: "読み込んでいます…" }));
      try {
        const data = (await api(path)) || {};
        out.replaceChildren(...render(data).filter(Boolean));
        setEdition(data.edition);
      } catch (err) {
        out.replaceChildren(errorBox(errorMessage(err, extraErrors)));
      }
      out.removeAttribute("aria-busy");
    });
  }

  // ---- tabs ------------------------------------------------------------------
  function initTabs() {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const select = (tab, focus) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        $(`#${t.getAttribute("aria-controls")}`).hidden = !on;
      }
      if (focus) tab.focus();
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => select(tab, false));
      tab.addEventListener("keydown", (e) => {
        const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
        if (j === undefined) return;
        e.preventDefault();
        select(tabs[(j + tabs.length) % tabs.length], true);
      });
    });
  }

  // ---- start -----------------------------------------------------------------
  function initToken(params) {
    const fromUrl = params.get("token");
    try {
      if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
      authToken = fromUrl || sessionStorage.getItem(TOKEN_KEY) || "";
    } catch { authToken = fromUrl || ""; }
    if (!fromUrl) return;
    // Keep the token out of the address bar and browser history.
    const rest = new URLSearchParams(params);
    rest.delete("token");
    history.replaceState(null, "", location.pathname + (rest.toString() ? `?${rest}` : "") + location.hash);
  }

  function init() {
    const params = new URLSearchParams(location.search);
    initToken(params);
    initTabs();

    askForm.addEventListener("submit", onAsk);
    qInput.addEventListener("input", () => qInput.value.trim() && showHint(""));
    // Example chips and 「ほかの候補」 buttons ask their text as a new question.
    log.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-ask]");
      if (!b || !log.contains(b)) return;
      qInput.value = b.dataset.ask;
      submitAsk();
    });

    const digestDate = $("#digest-date"), digestDays = $("#digest-days"), since = $("#report-since");
    digestDate.value = tokyoDate();
    since.value = tokyoDate(-30);
    runPanel($("#digest-form"), $("#digest-result"), () => {
      const days = Number(digestDays.value);
      if (!DATE_RE.test(digestDate.value) || !Number.isInteger(days) || days < 1 || days > 366) return "";
      return `/api/digest?date=${encodeURIComponent(digestDate.value)}&days=${days}`;
    }, (d) => renderDigest(d, digestDate.value));
    runPanel($("#report-form"), $("#report-result"), () => (DATE_RE.test(since.value) ? `/api/report?since=${encodeURIComponent(since.value)}` : ""),
      renderReport, { 503: "レポートは保存機能が無効のため表示できません。" });

    const now = params.get("now");
    if (now && DATE_RE.test(now)) nowInput.value = now;
    const q = params.get("q");
    if (q && q.trim()) {
      qInput.value = q;
      submitAsk();
    }
  }

  init();
})();
