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
