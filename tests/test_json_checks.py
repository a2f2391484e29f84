"""sensorkit._json: the nesting depth and the schema check that every JSON read from a file
goes through, with the field path of the first bad value in the message."""

from __future__ import annotations

import pytest

from sensorkit._json import MAX_DEPTH, Spec, check, depth, load_json
from sensorkit.errors import FileFormatError


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 0), ("x", 0), (None, 0), ([], 1), ({}, 1), ([1, 2], 1), ([[1]], 2), ({"a": [{"b": []}]}, 4),
     ([1, [2, [3, [4]]], {"k": 5}], 4)],
)  # fmt: skip
def test_depth_counts_containers_only(value, expected):
    assert depth(value) == expected


def test_too_deep_json_is_refused_with_a_clear_error():
    text = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(FileFormatError, match=f"nested too deeply \\(more than {MAX_DEPTH} levels\\)"):
        load_json(text, source="f.json")
    assert depth(load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, source="f.json")) == MAX_DEPTH


_ROW = Spec((dict,), required=("start_s",), keys={"start_s": Spec((float,)), "n": Spec((int,), 0, 10)})
_DOC = Spec((dict,), keys={"gaps": Spec((list,), items=_ROW), "name": Spec((str,), 1, 5)})


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"gaps": [{"start_s": 1.0}, {"start_s": "x"}]},
            r"field 'gaps\[1\]\.start_s' must be a number, not a string",
        ),
        ({"gaps": [{"start_s": 1.0, "n": 11}]}, r"field 'gaps\[0\].n' = 11 is outside \[0, 10\]"),
        ({"gaps": [{}]}, "field 'gaps\\[0\\]' lacks the key 'start_s'"),
        ({"gaps": [{"start_s": float("nan")}]}, "field 'gaps\\[0\\].start_s' must be a finite number"),
        ({"gaps": {}}, "field 'gaps' must be a list, not an object"),
        ({"name": "toolong"}, "field 'name' has 7 items/characters"),
        ([], "the top level must be an object, not a list"),
        ({"gaps": [{"start_s": True}]}, "field 'gaps\\[0\\].start_s' must be a number, not true/false"),
    ],
)
def test_the_first_bad_value_is_named_by_its_field_path(doc, message):
    with pytest.raises(FileFormatError, match=message):
        check(doc, _DOC, source="f.json")


def test_a_caller_s_prefix_starts_the_path_and_a_valid_document_comes_back_unchanged():
    with pytest.raises(FileFormatError, match=r"field 'streams\[2\]\.gaps\[0\]\.start_s'"):
        check({"gaps": [{"start_s": None}]}, _DOC, source="f", where="streams[2]")
    doc = {"gaps": [{"start_s": 1, "n": 3, "other": [1]}] * 1000, "name": "ok", "extra": {}}
    assert check(doc, _DOC, source="f") is doc


def _outcome(doc, spec):
    try:
        check(doc, spec, source="f.json")
    except FileFormatError as exc:
        return str(exc)
    return "ok"


def test_the_column_wise_pass_gives_exactly_the_item_by_item_result(monkeypatch):
    """Lists of scalars and of flat objects (the gaps of a long recording) are checked column
    by column; on random valid and damaged documents the outcome and message equal the
    item-by-item check's."""
    import random

    import sensorkit._json as sj
    from sensorkit.io.validate import PARQUET_HEADER_SPEC

    rng = random.Random(17)
    bad_values = ["x", "", True, False, None, [], {}, [1], float("nan"), float("inf"), -1, 2**60, 1e300, 7]

    def gap():
        g = {"start_s": rng.uniform(0, 100), "end_s": rng.uniform(0, 100), "side": rng.choice(["left", "both"]),
             "n_missing": rng.randint(0, 50), "reason": "dropout"}  # fmt: skip
        if rng.random() < 0.3:
            g["extra"] = rng.choice(bad_values)  # unknown keys are kept unchecked
        if rng.random() < 0.2:
            g["start_s"] = rng.randint(0, 9)  # an integer is a number
        return g

    def damage(items):
        k = rng.randrange(len(items))
        if not isinstance(items[k], dict) or rng.random() < 0.15:
            items[k] = rng.choice(bad_values)  # not an object at all
        elif rng.random() < 0.2:
            items[k].pop(rng.choice(["start_s", "end_s", "side"]))
        else:
            items[k][rng.choice(["start_s", "end_s", "side", "n_missing", "reason"])] = rng.choice(bad_values)

    docs = []
    for _ in range(300):
        gaps = [gap() for _ in range(rng.randint(0, 40))]
        sides = [rng.choice(["left", "right"]) for _ in range(rng.randint(0, 3))]
        if gaps and rng.random() < 0.6:
            for _ in range(rng.randint(1, 3)):
                damage(gaps)
        if sides and rng.random() < 0.3:
            sides[rng.randrange(len(sides))] = rng.choice(bad_values)
        tags = ["abcde"[: rng.randint(1, 3)] for _ in range(rng.randint(0, 5))]
        if tags and rng.random() < 0.3:
            tags[rng.randrange(len(tags))] = rng.choice(["", "abcd", *bad_values])
        docs.append({"schema": "sensorkit.parquet/1", "gaps": gaps, "sides": sides, "tags": tags})
    docs += [{"gaps": [{"start_s": 1.0}, {"start_s": "x"}]}, {"gaps": [{"start_s": 1.0, "n": 11}]},
             {"gaps": [{"start_s": 1.0, "n": 3}, {"start_s": 2, "n": -1}]}, {"gaps": [{"n": 1}]},
             {"gaps": [{"start_s": 1.0, "n": 2.5}]}, {"gaps": [{"start_s": 1.0}, []]}]  # fmt: skip

    # found by a review: an integer beyond every float, and NaN next to a range
    docs += [{"schema": "x", "gaps": [{"start_s": 0, "end_s": float("nan")}, {"start_s": 10**400, "end_s": 1}]},
             {"schema": "x", "gaps": [{"start_s": 10**400, "end_s": 1, "side": "left", "n_missing": 10**400}]},
             {"tags": [float("nan"), -1.0]}]  # fmt: skip
    tagged = Spec((dict,), keys={"tags": Spec((list,), items=Spec((str,), 1, 3))})  # bounded strings
    unbounded = Spec((dict,), keys={"tags": Spec((list,), items=Spec((float,), 0.0, finite=False))})
    specs = (PARQUET_HEADER_SPEC, _DOC, tagged, unbounded)
    real, passed = sj._items_ok, []
    monkeypatch.setattr(sj, "_items_ok", lambda value, items: passed.append(real(value, items)) or passed[-1])
    fast = [_outcome(d, s) for d in docs for s in specs]
    assert passed.count(True) > 300  # the column-wise pass was taken
    monkeypatch.setattr(sj, "_items_ok", lambda value, items: False)  # item by item only
    slow = [_outcome(d, s) for d in docs for s in specs]
    assert fast == slow
    assert 300 < sum(o == "ok" for o in slow) < len(slow) - 300  # both kinds were exercised
