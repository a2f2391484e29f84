"""The HTML report in a real headless browser (Debian chromium): every figure present and decoded."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import sensorkit as sk
from sensorkit.report import FIGURES, write_report
from sensorkit.report.html import CSP

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

pytestmark = [
    pytest.mark.slow,  # a real headless Chromium (~12 s); left out by pytest -m "not slow"
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install -y chromium) to render the report",
    ),
]

# Writes every image's decoded size into the DOM once the page has loaded.
_PROBE = """<script>
window.addEventListener("load", () => {
  const rows = Array.from(document.images).map(i => ({alt: i.alt, w: i.naturalWidth, h: i.naturalHeight,
                                                     complete: i.complete, shown: i.getBoundingClientRect().width}));
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = "PROBE" + JSON.stringify(rows) + "PROBE";
  document.body.appendChild(out);
});
</script>"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    rec = sk.simulate(duration_s=12, seed=5, dropout=0.002)
    path = tmp_path_factory.mktemp("browser") / "run.html"
    write_report(path, rec, sk.analyze(rec))
    return path


def test_browser_decodes_every_figure(report, tmp_path):
    text = report.read_text(encoding="utf-8")
    assert CSP in text
    # The report itself allows no scripts (its CSP); the probe copy drops the CSP to run one.
    probed = tmp_path / "probe.html"
    probed.write_text(
        re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text).replace(
            "</body>", _PROBE + "</body>"
        ),
        encoding="utf-8",
    )
    proc = _chromium(
        tmp_path, "--virtual-time-budget=5000", "--window-size=1100,900", "--dump-dom", probed.as_uri()
    )
    match = re.search(r'<pre id="probe">PROBE(.*?)PROBE</pre>', proc.stdout, re.S)
    assert match, f"no probe output; chromium said: {proc.stderr[-2000:]}"
    images = json.loads(html.unescape(match.group(1)))
    assert [i["alt"] for i in images] == [s.title for s in FIGURES]
    for img in images:
        assert img["complete"] and img["w"] > 300 and img["h"] > 100, img
        assert 0 < img["shown"] <= 1000  # scaled to the page column, never wider


def test_browser_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "shot.png"
    proc = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,2400", report.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    import matplotlib.image as mpimg
    import numpy as np

    img = mpimg.imread(shot)
    assert img.shape[:2] == (2400, 1100)
    # plots and text make many distinct colours; a failed render is a nearly flat page
    assert np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0).shape[0] > 200
