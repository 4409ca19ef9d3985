"""The UI's CSS and the one script it needs (citation links and grid cells that open their source in the panel).

Plain strings, so only the adapter modules import gradio; the theme itself is built in :mod:`ui.app`.
"""

from __future__ import annotations

CSS = """
.gradio-container { max-width: 1320px !important; margin: 0 auto; }
footer { opacity: .6; }
.app-header { display: flex; justify-content: space-between; align-items: baseline; padding: 6px 4px 2px; }
.app-name { font-size: 1.45rem; font-weight: 700; letter-spacing: -.01em; color: var(--color-accent); }
.app-tag { margin-left: 12px; color: var(--body-text-color-subdued); font-size: .95rem; }
.app-count { color: var(--body-text-color-subdued); font-size: .9rem; white-space: nowrap; }
@media (max-width: 640px) { .app-tag { display: none; } }
.muted { color: var(--body-text-color-subdued); }
.small { font-size: .85rem; }
.section-title { font-weight: 600; font-size: .95rem; margin: 2px 0 6px; }

/* citation markers */
.cites { font-size: .8em; vertical-align: super; line-height: 0; white-space: nowrap; }
a.cite { text-decoration: none !important; font-weight: 600; color: var(--color-accent) !important;
         padding: 0 1px; border-radius: 3px; cursor: pointer; }
a.cite:hover { background: var(--color-accent-soft); }
.cited { margin-top: 12px; padding-top: 8px; border-top: 1px solid var(--border-color-primary); }
.cited-item { display: flex; gap: 8px; align-items: baseline; font-size: .9rem; margin: 3px 0; }
.cited-item a.cite { flex: none; min-width: 20px; text-align: center; background: var(--color-accent-soft); }
.cited-head { margin-bottom: 4px; font-size: .8rem; font-weight: 600; text-transform: uppercase;
              letter-spacing: .04em; color: var(--body-text-color-subdued); }

/* sources panel */
#sources-panel { max-height: 700px; overflow-y: auto; padding-right: 4px; }
.panel-head { position: sticky; top: 0; z-index: 2; background: var(--body-background-fill);
              font-weight: 600; font-size: .95rem; padding: 2px 0 4px; }
.sources.empty { color: var(--body-text-color-subdued); font-size: .9rem; padding: 18px 8px; text-align: center;
                 border: 1px dashed var(--border-color-primary); border-radius: 8px; }
.src-group { font-size: .75rem; font-weight: 600; text-transform: uppercase; letter-spacing: .05em;
             color: var(--body-text-color-subdued); margin: 10px 2px 6px; }
details.src { border: 1px solid var(--border-color-primary); border-radius: 8px; margin-bottom: 8px;
              background: var(--background-fill-primary); transition: box-shadow .3s; }
details.src.cited { border-left: 3px solid var(--color-accent); }
details.src > summary { list-style: none; cursor: pointer; display: flex; gap: 10px; padding: 9px 12px;
                        align-items: flex-start; }
details.src > summary::-webkit-details-marker { display: none; }
details.src[open] > summary { border-bottom: 1px solid var(--border-color-primary); }
.src-n { flex: none; min-width: 22px; height: 22px; border-radius: 11px; background: var(--color-accent-soft);
         color: var(--color-accent); font-weight: 700; font-size: .8rem; display: flex; align-items: center;
         justify-content: center; margin-top: 1px; }
.src-head { display: flex; flex-direction: column; gap: 2px; }
.src-title { font-weight: 600; font-size: .92rem; line-height: 1.3; }
.src-meta { font-size: .78rem; color: var(--body-text-color-subdued); }
.src-abstract { padding: 10px 14px 12px; font-size: .88rem; line-height: 1.55; }
.src-nomark { padding: 0 14px 10px; font-size: .78rem; color: var(--body-text-color-subdued); }
mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
details.src.flash { box-shadow: 0 0 0 3px var(--color-accent-soft); }

/* status line */
.status { display: flex; flex-wrap: wrap; gap: 6px; font-size: .8rem; min-height: 8px; }
.chip { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
        border-radius: 999px; padding: 2px 10px; color: var(--body-text-color-subdued); }
.chip b { color: var(--body-text-color); }
.chip.busy { border-style: dashed; }
.chip-warn { color: #b45309; }
.note { margin-top: 6px; padding: 8px 12px; border-radius: 8px; background: #fffbeb; color: #92400e;
        border: 1px solid #fcd34d; font-size: .85rem; }

/* compare */
table.compare { width: 100%; border-collapse: collapse; font-size: .86rem; line-height: 1.45; border: none !important; }
table.compare tr, table.compare th, table.compare td { border: none !important; background: none !important; }
table.compare th { text-align: left; font-size: .75rem; text-transform: uppercase; letter-spacing: .04em;
                   color: var(--body-text-color-subdued); padding: 8px 10px;
                   border-bottom: 2px solid var(--border-color-primary) !important; }
table.compare td { vertical-align: top; padding: 10px;
                   border-bottom: 1px solid var(--border-color-primary) !important; }
.grid-wrap { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
             border-radius: 8px; padding: 4px 8px; overflow-x: auto; contain: inline-size; }
table.compare td.paper { font-weight: 600; width: 22%; min-width: 11em; }

/* the extraction grid: every cell opens its paper's card in the panel beside it */
table.grid th { vertical-align: bottom; min-width: 12em; }
table.grid th:first-child { min-width: 11em; }
.grid-label { display: block; }
.grid-q { display: block; margin-top: 2px; font-size: .72rem; font-weight: 400; text-transform: none;
          letter-spacing: 0; line-height: 1.3; }
.grid-date { display: block; margin-top: 3px; font-weight: 400; font-size: .78rem;
             color: var(--body-text-color-subdued); }
table.grid td[data-card] { cursor: pointer; transition: background .15s; }
table.grid td[data-card]:hover { background: var(--color-accent-soft) !important; }
table.grid td.active { background: var(--color-accent-soft) !important;
                       box-shadow: inset 3px 0 0 var(--color-accent); }
.not-stated { color: var(--body-text-color-subdued); font-style: italic; opacity: .8; }
mark.cell-mark:not(.on) { background: none; color: inherit; padding: 0; }
#grid-result { align-items: flex-start; }
#grid-sources-col { position: sticky; top: 8px; align-self: flex-start; }
#grid-sources { max-height: calc(100vh - 24px); overflow-y: auto !important; padding-right: 4px; }

/* tables break lines between words, never inside one ("Expressi-ve"); a table too wide for its box scrolls */
table.compare th, table.compare td, #chatbot th, #chatbot td {
    word-break: normal !important; overflow-wrap: normal !important; hyphens: manual; }
#chatbot table { display: block; max-width: 100%; overflow-x: auto; }
#chatbot th, #chatbot td { min-width: 9em; vertical-align: top; }
#chatbot td:first-child, #chatbot th:first-child { min-width: 11em; }

/* library and ingest */
.paper-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
              background: var(--background-fill-primary); }
.paper-title { font-weight: 650; font-size: 1.02rem; padding: 12px 14px 2px; line-height: 1.3; }
.paper-card > .src-meta { padding: 0 14px 8px; border-bottom: 1px solid var(--border-color-primary); }
.count { font-size: .9rem; color: var(--body-text-color-subdued); padding: 4px 2px; }
.stats { display: flex; flex-wrap: wrap; gap: 10px; margin: 4px 0 8px; }
.stat { min-width: 110px; padding: 10px 14px; border: 1px solid var(--border-color-primary); border-radius: 8px;
        background: var(--background-fill-primary); }
.stat-n { font-size: 1.4rem; font-weight: 700; }
.stat.warn { background: #fffbeb; border-color: #fcd34d; color: #92400e; }
.stat-label { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em;
              color: var(--body-text-color-subdued); }
.plain-table table, .plain-table td, .plain-table th, .plain-table span { font-family: var(--font) !important; }
.plain-table td span { font-size: .86rem; }
.plain-table th span { font-size: .8rem; white-space: nowrap; }
#lib-table td span { word-break: normal; overflow-wrap: anywhere; }
#lib-table td:nth-child(2) span { white-space: nowrap; }
/* a phone: the filters two to a line, none clipped */
@media (max-width: 640px) {
  #lib-filters .form { flex-wrap: wrap; }
  #lib-filters .form > * { flex: 1 1 calc(50% - 12px) !important; min-width: calc(50% - 12px) !important; }
  #lib-filters .form > *:first-child { flex-basis: 100% !important; }
}
#chatbot .message-wrap { font-size: .95rem; }
#chatbot .message-row.panel { padding: 14px 18px !important; }
#chatbot .message-row.panel.user-row { font-weight: 500; }
"""

# Citation links: open the <details> of the cited source, scroll the panel to it and flash it. The target may be
# rendered a moment later (an older turn's panel, swapped in by the chatbot's select event), hence the retries.
# A grid cell (data-card, data-mark) opens its paper's card the same way and highlights only that cell's sentence
# ("*": every sentence the row uses; "": none, e.g. a "not stated" cell, to read the abstract for oneself).
HEAD = """
<script>
document.addEventListener("click", function (event) {
  if (!event.target.closest) return;
  const cell = event.target.closest("[data-card]");
  const link = event.target.closest('a[href^="#src-"]');
  if (!cell && !link) return;
  event.preventDefault();
  const id = cell ? cell.dataset.card : link.getAttribute("href").slice(1);
  if (cell) {
    document.querySelectorAll("td.active").forEach(function (td) { td.classList.remove("active"); });
    cell.classList.add("active");
  }
  let tries = 0;
  (function open() {
    const card = document.getElementById(id);
    if (!card) { if (tries++ < 20) setTimeout(open, 150); return; }
    let mark = null;
    if (cell) {
      const key = cell.dataset.mark;
      card.querySelectorAll("mark.cell-mark").forEach(function (m) {
        m.classList.toggle("on", key === "*" || m.dataset.k === key);
      });
      if (key && key !== "*") mark = card.querySelector("mark.cell-mark.on");
    }
    card.open = true;
    const panel = mark && card.closest("#grid-sources");
    if (panel) {
      // The card's top in view when its sentence fits below it, else the sentence a third of the way down.
      let box = panel.getBoundingClientRect();
      if (box.top >= window.innerHeight || box.bottom <= 0) {  // on a phone the panel is below the grid
        panel.scrollIntoView({ block: "start" });
        box = panel.getBoundingClientRect();
      }
      const head = panel.querySelector(".panel-head");
      const top = Math.max(box.top, 0) + (head ? head.offsetHeight + 6 : 0);  // below the sticky "Sources"
      const seen = Math.min(box.bottom, window.innerHeight) - top;
      const c = card.getBoundingClientRect(), m = mark.getBoundingClientRect();
      const target = m.bottom - c.top < seen - 24 ? c.top - top : m.top - top - seen / 3;
      panel.scrollBy({ top: target, behavior: "smooth" });
    } else {
      card.scrollIntoView({ behavior: "smooth", block: "nearest" });
    }
    card.classList.add("flash");
    setTimeout(function () { card.classList.remove("flash"); }, 1400);
  })();
}, true);
</script>
"""
