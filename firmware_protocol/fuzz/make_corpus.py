"""Write a seed corpus for the fuzzers: every golden vector's bytes, one file each.

Usage: ``python firmware_protocol/fuzz/make_corpus.py OUT_DIR``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VECTOR_DIR = Path(__file__).resolve().parents[1] / "vectors"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "fuzz-corpus")
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for path in sorted(VECTOR_DIR.glob("*.json")):
        vector = json.loads(path.read_text())
        data = bytes.fromhex(vector.get("frame_hex") or vector["stream_hex"])
        (out / path.stem).write_bytes(data)
        n += 1
    (out / "csv_lines").write_bytes(b"# board\r\nt100,1,2,3\r\nt200,4,5,6\n")
    print(f"wrote {n + 1} seeds to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
