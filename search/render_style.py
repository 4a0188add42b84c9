"""The look and the browser-side wiring of the HTML views: ``CSS`` for the ``pq-*`` classes, ``HEAD`` script.

The views put ``data-pq`` actions on their buttons and links (view, copy, add, untray, compare-tray,
unfilter, more, run, remove); the script hands each to the app through one hidden argument box and a hidden
button per action, keeps the page state in the URL (``?q=…&tab=…&doc=…&at=…&region=…``) and copies
memo lines. ``navigator.clipboard`` exists only on https or localhost, hence the textarea fallback.
"""

from __future__ import annotations

HEAD = """
<script>
(() => {
  window.pqArg = "";
  const go = (action, arg) => {
    window.pqArg = arg;
    const button = document.querySelector("#pq-" + action + "-go");
    if (button) button.click();
  };
  window.pqUrl = (params) => {
    const url = new URL(window.location.href);
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) {
        url.searchParams.delete(key);
      } else {
        url.searchParams.set(key, Array.isArray(value) ? value.join(",") : value);
      }
    }
    window.history.replaceState(null, "", url.toString());
  };
  // The cited passage in the middle of the window, the current heading in view inside the outline.
  window.pqShowCited = () => {
    const mark = document.querySelector("#pq-cited");
    if (mark) mark.scrollIntoView({block: "center"});
    const here = document.querySelector("#viewer .pq-here");
    const outline = here && here.closest(".pq-outline");
    if (outline) outline.scrollTop = here.offsetTop - outline.offsetTop - outline.clientHeight / 3;
  };
  const copy = (button) => {
    let text = button.dataset.copy || "";
    text = text.replace("](?", "](" + window.location.origin + window.location.pathname + "?");
    const label = button.textContent;
    const done = () => {
      button.textContent = "已复制 Copied";
      setTimeout(() => { button.textContent = label; }, 1800);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  };
  const setQuestion = (text) => {
    const box = document.querySelector("#question textarea, #question input");
    if (!box) return;
    box.value = text;
    box.dispatchEvent(new Event("input", {bubbles: true}));
  };
  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-pq]");
    if (!el) return;
    const action = el.dataset.pq;
    if (action === "view") {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;  // a new browser tab: the URL restores it
      event.preventDefault();
      go("view", JSON.stringify({doc: el.dataset.doc, at: el.dataset.at || ""}));
      window.pqUrl({tab: "documents", doc: el.dataset.doc, at: el.dataset.at || ""});
    } else if (action === "copy") {
      copy(el);
    } else if (action === "add" || action === "untray") {
      go(action, el.dataset.chunk);
    } else if (action === "compare-tray") {
      go("tray", String(Date.now()));
    } else if (action === "unfilter") {
      go("unfilter", JSON.stringify({kind: el.dataset.kind, value: el.dataset.value}));
    } else if (action === "remove") {
      if (window.confirm("从索引中移除《" + el.dataset.title + "》？ Remove this document from the index?")) {
        go("remove", el.dataset.doc);
      }
    } else if (action === "more") {
      go("more", el.dataset.k);
    } else if (action === "run") {
      setQuestion(el.dataset.q);
      setTimeout(() => { const ask = document.querySelector("#ask"); if (ask) ask.click(); }, 60);
    }
  });
  // On load: select the tab the URL names. Gradio's own updates during loading can select the first
  // tab again, so keep it selected until the user first touches the page (or 15 s have passed).
  const opened = Date.now();
  let touched = false;
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, () => { touched = true; }, true);
  const wanted = ["ask", "compare", "cite", "documents"].indexOf(new URL(window.location.href).searchParams.get("tab"));
  let scrolled = false;
  const keep = setInterval(() => {
    const buttons = document.querySelectorAll("#tabs [role=tab]");
    if (touched || Date.now() - opened > 15000) { clearInterval(keep); return; }
    if (wanted > 0 && buttons[wanted] && buttons[wanted].getAttribute("aria-selected") !== "true") buttons[wanted].click();
    const mark = document.querySelector("#pq-cited");
    if (mark && !scrolled) { pqShowCited(); scrolled = true; }
  }, 200);
  document.addEventListener("keydown", (event) => {
    const box = event.target.closest && event.target.closest("#quote textarea");
    if (box && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      const cite = document.querySelector("#cite");
      if (cite) cite.click();
    }
  });
})();
</script>
"""

# The ask/compare/cite/tab events run these before the server: they write the page state to the URL.
ASK_JS = ("(q, docs, region) => { pqUrl({tab: 'ask', q: q, docs: docs, region: region, ignore: ''}); "
          "return [q, docs, region]; }")  # a new question sets nothing aside
COMPARE_JS = "(q, docs) => { pqUrl({tab: 'compare', cq: q, cdocs: docs}); return [q, docs]; }"
CITE_JS = "(quote) => { pqUrl({tab: 'cite', quote: quote}); return [quote]; }"
def tab_js(tab: str) -> str:
    """The URL's ``tab`` follows the tab the user selects."""
    return f"() => {{ pqUrl({{tab: '{tab}'}}); }}"


CSS = """
.gradio-container {max-width: 1240px !important; width: 100% !important; margin: 0 auto !important}
.pq-card {border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 16px;
  margin: 10px 0; background: var(--background-fill-secondary); overflow-wrap: anywhere; min-width: 0}
.pq-answer {border-left: 5px solid #f0a020}
.pq-sentence {font-size: 1.15rem; line-height: 1.75}
.pq-meta {color: var(--body-text-color-subdued); font-size: .88rem; margin: 2px 0 6px}
.pq-title {font-weight: 600}
.pq-text {white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; line-height: 1.75}
.pq-note {color: var(--body-text-color-subdued); padding: 8px 0}
.pq-cols {display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px}
.pq-cols > * {min-width: 0}
.pq-scroll {max-width: 100%; overflow-x: auto}
.pq-table {border-collapse: collapse; width: 100%; margin: 4px 0 !important; border: none !important}
.pq-table tr {border: none !important}
.pq-table td, .pq-table th {padding: 4px 10px !important; border: none !important;
  border-bottom: 1px solid var(--border-color-primary) !important; text-align: left; vertical-align: top}
.pq-table td.pq-num {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap}
.pq-unit {color: var(--body-text-color-subdued); font-size: .85rem}
th.pq-cell-answer, td.pq-cell-answer {background: #fff4d0}
.pq-why .pq-table {width: auto; font-size: .88rem}
.pq-cite {margin: 6px 0}
.pq-gloss, .pq-read-as {margin: 4px 0; font-size: 0.9em; color: var(--body-text-color-subdued, #555)}
a.citation-link {color: #1d4ed8; text-decoration: underline; text-underline-offset: 3px; cursor: pointer}
.pq-actions {display: flex; gap: 8px; flex-wrap: wrap; margin: 6px 0}
.pq-btn {border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 2px 10px;
  background: var(--background-fill-primary); cursor: pointer; font-size: .88rem}
.pq-btn:disabled {opacity: .45; cursor: default}
.pq-btn.pq-primary {background: #f97316; color: white; border-color: #f97316}
.pq-remove {font-size: .8rem; padding: 0 6px; margin-left: 6px}
.pq-more {display: block; margin: 10px auto; padding: 6px 18px}
.pq-badge {display: inline-block; border-radius: 6px; padding: 0 6px; margin: 0 2px; font-size: .8rem;
  font-weight: 500; background: #e0e7ff; color: #3730a3}
.pq-badge.draft {background: #fee2e2; color: #991b1b}
.pq-chip {display: inline-block; border-radius: 10px; padding: 0 8px; margin: 2px; background: #c9f0c0;
  border: none; font-size: .9rem}
.pq-chip.diff {background: #ffc9c9}
.pq-chip.pq-filter {background: #dbeafe}
.pq-chip.pq-understood {background: #ede9fe}
.pq-chip.pq-ignored {background: var(--background-fill-secondary); color: var(--body-text-color-subdued);
  border: 1px dashed var(--border-color-primary)}
.pq-restore {font-size: .8rem; padding: 0 6px; margin-left: 4px}
.pq-chip.pq-run {background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
  cursor: pointer; padding: 2px 10px}
.pq-x {border: none; background: none; cursor: pointer; font-weight: 700; margin-left: 4px; padding: 0 2px}
.pq-conflict {border-left: 4px solid #dc2626; background: #fef2f2; padding: 6px 10px; margin: 6px 0}
.pq-not-found {border: 2px solid #dc2626; background: #fef2f2}
.pq-nf-title {font-size: 1.15rem; font-weight: 700; color: #991b1b; margin-bottom: 4px}
.pq-reason {margin-top: 6px; font-size: .92rem}
.pq-numbers {margin: 6px 0; font-size: .92rem}
.pq-context + .pq-context {border-top: 1px dashed var(--border-color-primary); margin-top: 6px;
  padding-top: 6px}
.pq-tray {padding: 6px 0}
.pq-docs {list-style: none; padding: 0; margin: 0}
.pq-doc-row {padding: 6px 0; border-bottom: 1px solid var(--border-color-primary)}
.pq-viewer-grid {display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 1fr); gap: 12px}
.pq-outline {display: flex; flex-direction: column; align-items: stretch; text-align: left; max-height: 70vh; overflow-y: auto; font-size: .9rem}
.pq-outline-link {display: block; padding: 2px 4px; text-decoration: none !important; color: inherit !important;
  border-radius: 4px; text-align: left}
.pq-outline-link:hover, .pq-outline-link.pq-here {background: #fff4d0}
@media (max-width: 800px) {.pq-viewer-grid {grid-template-columns: minmax(0, 1fr)}
  .pq-outline {max-height: 40vh}}
.pq-section-head {font-weight: 600; margin: 6px 0}
.pq-upload-report {list-style: none; padding: 0}
.pq-ok {color: #166534} .pq-bad {color: #991b1b}
mark {padding: 0; border-radius: 0; color: inherit}  /* flat: one passage is cut into several marks */
mark.answer, mark.match, mark.cited {background: #ffe7a0; box-shadow: inset 0 -2px #f0a020}
mark.term {background: #cfe3ff}
mark.number {background: #c9f0c0; font-weight: 600} mark.diff {background: #ffc9c9; font-weight: 600}
details.pq-why summary, details.pq-scores summary {cursor: pointer; color: var(--body-text-color-subdued);
  font-size: .88rem}
@media (max-width: 640px) {.gradio-container {padding: 0 6px !important}
  .pq-card {padding: 10px 10px}}
"""
