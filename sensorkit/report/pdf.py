"""Print an HTML report to PDF with headless Chromium (the browser the CI installs).

Chromium lays the page out with the report's print stylesheet (:mod:`sensorkit.report.css`):
A4, headings kept with their content, tables and figures not split. No network is used:
the report is self-contained and its Content-Security-Policy forbids requests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sensorkit.errors import SensorkitError
from sensorkit.outputs import atomic_output

__all__ = ["BROWSERS", "find_chromium", "print_pdf"]

#: Executables tried in order (``SENSORKIT_CHROMIUM`` overrides them).
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_TIMEOUT_S = 120.0


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable: ``$SENSORKIT_CHROMIUM``, else the first of :data:`BROWSERS` on PATH."""
    env = os.environ.get("SENSORKIT_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """:func:`find_chromium`, or the error that says how to get it (commands call it before any
    work: a report asked for with ``--pdf`` and no Chromium failed only after the analysis).

    Raises
    ------
    SensorkitError
        No Chromium found (with the install hint).
    """
    browser = find_chromium()
    if browser is None:
        raise SensorkitError(
            "printing a PDF needs Chromium (headless), which was not found",
            hint="install it (Debian/Ubuntu: apt-get install chromium) or set SENSORKIT_CHROMIUM to its path",
        )
    return browser


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout_s: float = _TIMEOUT_S) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium.

    Parameters
    ----------
    html_path : str or Path
        A report written by :func:`sensorkit.report.write_report`.
    pdf_path : str or Path
        The PDF to write (replaced once the new one is printed; a failed print leaves it).
    timeout_s : float
        Give up after this many seconds.

    Returns
    -------
    Path

    Raises
    ------
    SensorkitError
        No Chromium found (with the install hint), or Chromium failed or wrote no PDF.
    """
    browser = require_chromium()
    src = Path(html_path).resolve()
    out = Path(pdf_path).resolve()
    # printed under a temporary name, renamed when whole: a failed print keeps the old PDF
    with atomic_output(out) as tmp, tempfile.TemporaryDirectory(prefix="sensorkit-chromium-") as profile:
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise SensorkitError(f"Chromium did not print {src.name} within {timeout_s:g} s") from None
        if not tmp.exists() or tmp.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise SensorkitError(f"Chromium wrote no PDF for {src.name} (exit {proc.returncode}): {tail[0]}")
    return out
