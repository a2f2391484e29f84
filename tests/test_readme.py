"""The README's Python block is true: it runs as a doctest and its printed lines must match."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
REPO = README.parent


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_a_checked_python_block():
    blocks = _python_blocks()
    assert blocks and all(">>> " in b for b in blocks)


@pytest.mark.parametrize("k", range(len(_python_blocks())))
def test_readme_python_block_prints_what_its_comments_claim(k, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests").symlink_to(REPO / "tests")  # the block reads tests/data/... as from the repo root
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_python_blocks()[k], {}, f"README.md block {k}", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} README line(s) print something else (see the output above)"
