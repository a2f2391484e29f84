"""The full reference of every source a report names.

Captions, notes, the footer and the recommendation card name their sources in short form
("Milner et al. 2006"); the report ends with the full reference of each, so that a reader
can look every one up. Method sources are those of docs/methods.md; the recommender's are
:data:`sensorkit.recommend.evidence.CITATIONS`.
"""

from __future__ import annotations

import html
import re

from sensorkit.recommend.evidence import CITATIONS

__all__ = ["METHOD_SOURCES", "named_sources", "references_html"]

#: Sources of the methods a report names (short form -> full reference), from docs/methods.md.
METHOD_SOURCES: dict[str, str] = {
    "Robinson et al. 1987": "Robinson RO, Herzog W, Nigg BM (1987). Use of force platform variables to quantify "
    "the effects of chiropractic manipulation on gait symmetry. Journal of Manipulative and Physiological "
    "Therapeutics 10(4):172-176.",
    "Zifchock et al. 2008": "Zifchock RA, Davis I, Higginson J, Royer T (2008). The symmetry angle: a novel, "
    "robust method of quantifying asymmetry. Gait & Posture 27(4):622-627.",
    "Milner et al. 2006": "Milner CE, Ferber R, Pollard CD, Hamill J, Davis IS (2006). Biomechanical factors "
    "associated with tibial stress fracture in female runners. Medicine & Science in Sports & Exercise "
    "38(2):323-328.",
    "Cavanagh & Lafortune 1980": "Cavanagh PR, Lafortune MA (1980). Ground reaction forces in distance "
    "running. Journal of Biomechanics 13(5):397-406.",
    "Song et al. 1996": "Song J, Hillstrom HJ, Secord D, Levitt J (1996). Foot type biomechanics: comparison "
    "of planus and rectus foot types. Journal of the American Podiatric Medical Association 86(1):16-23.",
}


def named_sources(text: str) -> list[str]:
    """Full references of the sources ``text`` names, in the order first named.

    Parameters
    ----------
    text : str
        Plain text or HTML (tags are ignored, entities decoded).

    Returns
    -------
    list of str
        One full reference per source named (method sources and the recommender's citations,
        the insole guide included).

    Examples
    --------
    >>> [r[:25] for r in named_sources("VALR (Milner et al. 2006); SI (Robinson et al. 1987)")]
    ['Milner CE, Ferber R, Poll', 'Robinson RO, Herzog W, Ni']
    """
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
    full = dict(METHOD_SOURCES)
    full.update({c.short: c.text() for c in CITATIONS.values()})
    found = [(plain.find(short), ref) for short, ref in full.items() if short in plain]
    return [ref for _, ref in sorted(found)]


def references_html(text: str) -> str:
    """A list of :func:`named_sources` of ``text`` (escaped), or "" when none is named."""
    refs = named_sources(text)
    if not refs:
        return ""
    items = "".join(f"<li>{html.escape(r)}</li>" for r in refs)
    # unnumbered: the recommendation card numbers its own sources ([1], [2], ...)
    return f"<p>Every source this report names, in the order first named.</p><ul>{items}</ul>"
