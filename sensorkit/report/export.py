"""Analysis results as files (JSON, CSV, Parquet), each recording the sensorkit version and parameters.

* JSON: :func:`analysis_json` adds ``sensorkit_version`` to :meth:`Analysis.to_dict` (which
  carries ``params``).
* CSV: the steps table alone, so that plain ``pandas.read_csv(path)`` (or a spreadsheet, R's
  ``read.csv``) reads it; its provenance (``sensorkit_version``, ``schema``, ``force_units``,
  ``body_mass_kg``, ``activity``, ``params``, ``selection``, ``source``, and ``inputs``: each
  input file's name, size, modification time and SHA-256; ``anonymize`` leaves out names and
  the subject) in the JSON file next to it,
  ``<name>.csv.json`` (:func:`steps_sidecar`). Comment lines before the header broke every
  CSV reader but one told to skip them.
* Parquet: the steps table with the same keys in the file's key-value metadata
  (``pyarrow.parquet.read_schema(path).metadata``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sensorkit.analysis.result import Analysis
from sensorkit.errors import SensorkitError
from sensorkit.jsonable import to_jsonable
from sensorkit.outputs import atomic_output, check_output

__all__ = [
    "analysis_json",
    "check_steps_output",
    "check_steps_sidecar",
    "input_identities",
    "provenance",
    "steps_sidecar",
    "write_steps",
]

STEPS_SCHEMA = "sensorkit.steps/1"


#: What ``anonymize`` leaves out of the provenance: what can name the subject.
_IDENTIFYING = ("subject", "origin", "name")


def input_identities(
    inputs: Iterable[str | Path | None],
    *,
    anonymize: bool = False,
    known: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """:func:`sensorkit.io.provenance.file_identity` of each existing file of ``inputs`` (None
    and duplicates skipped): file name, size, modification time and SHA-256; ``anonymize``
    leaves the name out (the hash still identifies the file to whoever holds it).

    ``known``: the identities already computed by an earlier call without ``anonymize`` (a
    command writing a steps table and JSON hashes each input once); ``inputs`` is then not read.
    """
    from sensorkit.io.provenance import file_identity

    if known is None:
        seen, known = set(), []
        for p in inputs:
            if p is None or not Path(p).is_file() or Path(p).absolute() in seen:
                continue
            seen.add(Path(p).absolute())
            known.append(file_identity(p))
    return [{k: v for k, v in ident.items() if not (anonymize and k in _IDENTIFYING)} for ident in known]


def _source(analysis: Analysis, anonymize: bool) -> dict[str, Any]:
    return {k: v for k, v in to_jsonable(analysis.source).items() if not (anonymize and k in _IDENTIFYING)}


def provenance(
    analysis: Analysis,
    inputs: Iterable[str | Path | None] = (),
    *,
    anonymize: bool = False,
    identities: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """What produced the numbers: sensorkit version, schema, units, mass, activity, every
    parameter, the recording (``source``: subject, origin, format, rate, layout) and, given
    ``inputs``, each input file's identity (``inputs``: :func:`input_identities`).
    ``anonymize`` leaves out what can name the subject: ``source.subject``, ``source.origin``
    and the input file names; ``identities``: the inputs' identities already computed
    (``known`` of :func:`input_identities`)."""
    from sensorkit import __version__

    out = {
        "sensorkit_version": __version__,
        "schema": STEPS_SCHEMA,
        "force_units": analysis.force_units,
        "body_mass_kg": analysis.body_mass_kg,
        "activity": analysis.activity,
        "params": to_jsonable(analysis.params.to_dict()),
        "selection": to_jsonable(analysis.selection),
        "source": _source(analysis, anonymize),
    }
    found = input_identities(inputs, anonymize=anonymize, known=identities)
    if found:
        out["inputs"] = found
    return out


def analysis_json(
    analysis: Analysis,
    inputs: Iterable[str | Path | None] = (),
    *,
    anonymize: bool = False,
    identities: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """:meth:`Analysis.to_dict` with ``sensorkit_version`` first and, given ``inputs``, each
    input file's identity (``inputs``: :func:`input_identities`); JSON-ready
    (``allow_nan=False`` holds). ``anonymize`` leaves out what can name the subject, and
    ``identities`` are the inputs' identities already computed, as in :func:`provenance`."""
    from sensorkit import __version__

    out = {"sensorkit_version": __version__, **to_jsonable(analysis.to_dict())}
    out["source"] = _source(analysis, anonymize)
    found = input_identities(inputs, anonymize=anonymize, known=identities)
    if found:
        out["inputs"] = found
    return out


def check_steps_output(
    path: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path | None] = ()
) -> Path:
    """Refuse a steps file :func:`write_steps` could not or must not write; return it as a Path.

    Commands call it before the analysis, so that a wrong name costs no work.

    Raises
    ------
    SensorkitError
        Neither ``.csv`` nor ``.parquet`` / ``.pq``.
    OutputExistsError, SameFileError
        From :func:`sensorkit.outputs.check_output`.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise SensorkitError(
            f"cannot tell the steps file format from {path.name!r}", hint="use a .csv or .parquet name"
        )
    return check_output(path, overwrite=overwrite, inputs=[p for p in inputs if p is not None])


def steps_sidecar(path: str | Path) -> Path | None:
    """The JSON file that holds the provenance of a CSV steps table; None for Parquet (in the file).

    Examples
    --------
    >>> steps_sidecar("run/steps.csv"), steps_sidecar("steps.parquet")
    (PosixPath('run/steps.csv.json'), None)
    """
    path = Path(path)
    return path.with_name(path.name + ".json") if path.suffix.lower() == ".csv" else None


def check_steps_sidecar(
    path: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path | None] = ()
) -> Path | None:
    """Refuse the provenance file of a CSV steps table as :func:`check_steps_output` refuses the table.

    Raises
    ------
    OutputExistsError, SameFileError
        From :func:`sensorkit.outputs.check_output`.
    """
    sidecar = steps_sidecar(path)
    if sidecar is not None:
        check_output(sidecar, overwrite=overwrite, inputs=[p for p in inputs if p is not None])
    return sidecar


def write_steps(
    analysis: Analysis,
    path: str | Path,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path] = (),
    anonymize: bool = False,
    identities: Sequence[Mapping[str, Any]] | None = None,
) -> Path:
    """Write ``analysis.steps`` to ``.csv`` or ``.parquet`` with its :func:`provenance`.

    A CSV file is the table alone (``pandas.read_csv(path)`` reads it) and the provenance goes
    to ``<name>.csv.json`` next to it (:func:`steps_sidecar`); a Parquet file holds it in its
    key-value metadata.

    Parameters
    ----------
    analysis : Analysis
    path : str or Path
        ``.csv``, ``.parquet`` or ``.pq``.
    overwrite : bool
        Replace an existing file (default: refuse, as every sensorkit writer does).
    inputs : iterable of str or Path
        Files the analysis was read from; ``path`` may never be one of them, and the
        provenance names each (file name, size, modification time, SHA-256).
    anonymize : bool
        Leave out of the provenance what can name the subject (:func:`provenance`).
    identities : sequence of dict, optional
        The inputs' identities already computed (``known`` of :func:`input_identities`), so
        a command that also prints the JSON hashes each input once.

    Raises
    ------
    SensorkitError
        For another extension, or Parquet without pyarrow (with the install hint).
    OutputExistsError, SameFileError
        ``path`` or its ``.csv.json`` exists (without ``overwrite``) or is one of ``inputs``
        (:func:`sensorkit.outputs.check_output`).

    Examples
    --------
    >>> import pandas as pd, sensorkit as sk
    >>> res = sk.analyze(sk.simulate(duration_s=10, seed=1))
    >>> write_steps(res, "steps.csv")  # doctest: +SKIP
    PosixPath('steps.csv')
    >>> len(pd.read_csv("steps.csv")) == len(res.steps)  # doctest: +SKIP
    True
    """
    inputs = list(inputs)
    path = check_steps_output(path, overwrite=overwrite, inputs=inputs)
    sidecar = check_steps_sidecar(path, overwrite=overwrite, inputs=inputs)
    meta = provenance(analysis, inputs, anonymize=anonymize, identities=identities)
    if sidecar is not None:
        about = {**meta, "steps_file": path.name, "index": "step"}
        text = json.dumps(about, indent=1, sort_keys=False, allow_nan=False) + "\n"
        # both or neither: the provenance is committed just before the table, and only after
        # both were written in full
        with atomic_output(path) as tmp, atomic_output(sidecar) as tmp_json:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                analysis.steps.to_csv(fh, index_label="step", float_format="%.9g", lineterminator="\n")
            tmp_json.write_text(text, encoding="utf-8")
        return path
    try:  # .parquet / .pq
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SensorkitError(
            "writing Parquet needs pyarrow", hint="install it with: pip install 'sensorkit[parquet]'"
        ) from None
    table = pa.Table.from_pandas(analysis.steps.rename_axis("step").reset_index(), preserve_index=False)
    extra = {
        b"sensorkit_version": str(meta["sensorkit_version"]).encode(),
        b"sensorkit_steps": json.dumps(meta, sort_keys=True).encode(),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)
    return path
