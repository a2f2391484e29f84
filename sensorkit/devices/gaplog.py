"""A device's list of gaps, bounded: beyond a limit, the older half is merged into one summary."""

from __future__ import annotations

__all__ = ["GAPS_KEPT", "GapLog"]

GAPS_KEPT = 1000  # entries kept; beyond, the older half is merged into one summary entry


class GapLog(list):
    """Gap dicts (keys of ``sensorkit.recording.GAP_COLUMNS``), at most :data:`GAPS_KEPT` entries.

    A list, so ``device.gaps`` reads as one. :meth:`add` keeps a gap; past the limit the older
    half becomes one summary entry with the gap keys (span of the merged gaps, their total
    ``n_missing``, ``reason`` ``"N gaps (summarised)"``) and ``n_gaps``. Chunks still carry
    each gap; :attr:`total` counts them all.
    """

    def __init__(self, kept: int | None = None) -> None:
        super().__init__()
        self.kept = kept  # None: GAPS_KEPT
        self.total = 0

    def add(self, gap: dict) -> None:
        """Keep ``gap`` (summarising the older half when full)."""
        self.total += 1
        self.append(gap)
        if len(self) <= (GAPS_KEPT if self.kept is None else self.kept):
            return
        half = len(self) // 2
        old = self[:half]
        n = sum(int(g.get("n_gaps", 1)) for g in old)
        summary = {"start_s": old[0]["start_s"], "end_s": old[-1]["end_s"], "side": old[-1]["side"],
                   "n_missing": sum(int(g["n_missing"]) for g in old), "reason": f"{n} gaps (summarised)",
                   "n_gaps": n}  # fmt: skip
        self[:half] = [summary]
