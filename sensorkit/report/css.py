"""The report's stylesheet: one screen layout and a print layout for filing (PDF via headless Chromium).

Print rules: A4 with 14 mm margins, navigation hidden, headings kept with what follows them
(``break-after: avoid``), tables, figures and short sections never split across pages
(``break-inside: avoid``), long tables repeat their header row on each page, collapsed
details (the full steps table) left out of the print, colours kept.
"""

from __future__ import annotations

__all__ = ["CSS", "PRINT_CSS"]

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#222;
 margin:0;background:#fafafa;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:1.6em;margin:0 0 4px} h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #ddd;
 padding-bottom:4px} h3{font-size:1em;margin:16px 0 6px} .sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;font-size:.86em;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{padding:3px 9px;text-align:right;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f3f3f3;font-weight:600} td:first-child,th:first-child{text-align:left}
td.text,th.text{text-align:left}
table.meta td{text-align:left} table.meta td:first-child{color:#666;padding-right:18px;white-space:nowrap}
.ident{display:flex;gap:28px;flex-wrap:wrap}
.flag{color:#b00020;font-weight:bold} .na{color:#777;font-style:italic}
figure{margin:12px 0 24px} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.86em;color:#555;max-width:880px}
.note{background:#fff8e1;border-left:4px solid #e69f00;padding:8px 12px;font-size:.9em}
.hook{background:#f3f3f3;border:1px dashed #999;padding:8px 12px;font-size:.9em}
pre.card{background:#f6f8fa;border:1px solid #ddd;padding:12px;white-space:pre-wrap;font-size:.88em}
nav a{margin-right:12px;font-size:.9em} details{margin:8px 0} summary{cursor:pointer;color:#0b5394}
.scroll{overflow-x:auto;max-width:100%} .steps td{white-space:nowrap}
footer{color:#888;font-size:.8em;margin-top:40px}
"""

PRINT_CSS = """
@page{size:A4;margin:14mm 12mm}
@media print{
 body{background:#fff;font-size:10pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
 main{max-width:none;padding:0}
 table{font-size:8.5pt} th,td{padding:2px 6px} td{white-space:nowrap}
 h2{margin:16px 0 6px}
 nav,details.noprint{display:none}
 h1,h2,h3{break-after:avoid;page-break-after:avoid}
 section.keep,table,figure,.note,pre.card{break-inside:avoid;page-break-inside:avoid}
 section.long table{break-inside:auto;page-break-inside:auto}
 tr,td,th{break-inside:avoid;page-break-inside:avoid}
 thead{display:table-header-group}
 figure img{max-height:120mm;width:auto;max-width:100%}
 .scroll{overflow:visible}
 a{color:inherit;text-decoration:none}
}
"""
