"""docs/live.md's Python blocks that need no network or device run as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "live.md"


def _block(heading: str) -> str:
    section = DOC.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_replaying_recordings_example_finds_the_batch_steps(monkeypatch):
    """The block asserts that a real walk fed in 10-frame chunks gives the batch steps."""
    monkeypatch.chdir(DOC.parents[1])
    namespace: dict = {}
    exec(compile(_block("Replaying recordings"), str(DOC), "exec"), namespace)
    assert len(namespace["steps"]) == len(namespace["batch"].steps) == 192


def test_replaying_a_file_that_is_no_capture_says_what_replay_plays_and_what_to_do():
    """`sensorkit replay GaCo01_01.txt` said only "bad magic" and the capture's magic bytes."""
    import pytest

    import sensorkit as sk
    from sensorkit.errors import FileFormatError

    walk = DOC.parents[1] / "tests" / "data" / "physionet-gaitpdb" / "GaCo01_01.txt"
    with pytest.raises(FileFormatError, match="replay plays the captures `sensorkit record` writes") as info:
        sk.open(f"replay://{walk}?speed=0")
    assert "sensorkit analyze FILE" in info.value.hint and "StreamingAnalyzer" in info.value.hint
