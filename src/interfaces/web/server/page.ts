/** The dashboard's single HTML page; the client bundle (/app.js) builds the views into #app. */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { margin: 0; font: 14px/1.4 'DejaVu Sans', system-ui, sans-serif; background: #14161a; color: #e6e6e6; }
header { display: flex; gap: 16px; align-items: center; padding: 8px 16px; background: #1d2026; border-bottom: 1px solid #333; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header .status { color: #9ad; }
header select { background: #262a31; color: #e6e6e6; border: 1px solid #444; padding: 2px 4px; }
#panels { display: flex; gap: 12px; padding: 12px; align-items: flex-start; }
.panel { flex: 1 1 0; min-width: 0; background: #1a1d22; border: 1px solid #2c3038; border-radius: 6px; padding: 8px 10px; }
.panel h2 { font-size: 14px; margin: 0 0 6px; font-weight: 600; color: #cfd8e3; overflow-wrap: anywhere; }
.panel h3 { font-size: 13px; margin: 10px 0 2px; font-weight: 600; color: #aab4c0; }
.heatmap-wrap { position: relative; }
.heatmap { width: 100%; height: 320px; display: block; background: #0c0d10; cursor: crosshair; border: 1px solid #2c3038; }
.axis { display: flex; justify-content: space-between; font-size: 12px; color: #98a2ad; }
.tooltip { position: absolute; pointer-events: none; background: rgba(20,22,26,.95); border: 1px solid #567; padding: 4px 6px; font-size: 12px; white-space: pre; display: none; z-index: 2; }
.hint { font-size: 12px; color: #7d8792; }
table.damos { border-collapse: collapse; font-size: 12px; width: 100%; }
table.damos td, table.damos th { border-bottom: 1px solid #2c3038; padding: 2px 6px; text-align: right; }
table.damos th:first-child, table.damos td:first-child { text-align: left; }
#sharing { margin: 0 12px 12px; }
table.sharing { border-collapse: collapse; font-size: 12px; }
table.sharing td, table.sharing th { border: 1px solid #2c3038; padding: 4px 8px; text-align: right; }
table.sharing th { color: #aab4c0; font-weight: 600; }
.u-legend { font-size: 12px; color: #cfd8e3; }
`;

export function dashboardPage(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>damon-ts: ${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="uplot.css">
<style>${STYLE}</style>
</head><body>
<div id="app"><header><h1>damon-ts dashboard</h1><span class="status">connecting…</span></header></div>
<script type="module" src="app.js"></script>
</body></html>
`;
}
