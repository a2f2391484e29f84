"""Who, when and what a report is about: subject, session, date, condition, notes, file, devices.

Gathered from the recording's metadata as each reader stores it (capture header ``subject``
and ``created_utc``, generic CSV ``subject``/``session``, Moticon ``start_time``/``notes``/
serials, pedar ``start_time`` (its raw ``pedar_date_time`` when that did not parse), F-Scan
``fscan_time``, PhysioNet subject from the file name), overridden by what the user gives
(CLI ``--subject --session --condition --notes``).
Only the file's *name* is kept, never its folder: a path can itself identify a patient.

``anonymize=True`` leaves out what came from the file: the subject, the notes, the device
serials and the file name (a file is often named after the person), and keeps only the year
of the date (a full date and time identifies a session, and Moticon names its files by it).
What the user gave to identify the session stays: a pseudonym passed as ``subject=``
(``--subject P07``), the session and the condition.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from typing import Any

from sensorkit.recording import Recording

__all__ = ["SessionIdentity", "file_name", "session_identity"]

#: Metadata keys that hold the recording's start date/time, in order of preference.
_DATE_KEYS = ("recorded_at", "start_time", "created_utc", "pedar_date_time", "fscan_time", "date")
#: Metadata keys that may hold a source path (only the name is shown).
_PATH_KEYS = ("path", "source")


def file_name(value: Any) -> str | None:
    """The last component of a path (``/`` or ``\\`` separated), or None.

    Examples
    --------
    >>> file_name("/home/clinic/patients/Jane Doe/walk.csv"), file_name(r"C:\\data\\run.skr")
    ('walk.csv', 'run.skr')
    """
    if value is None:
        return None
    text = str(value).replace("\\", "/").rstrip("/")
    return text.rsplit("/", 1)[-1] or None


@dataclass(frozen=True)
class SessionIdentity:
    """What identifies a session in a report header.

    Attributes
    ----------
    file : str or None
        File name only (no folder).
    subject, session, date, condition, notes : str or None
        As given or found in the metadata; None when unknown (or left out by anonymising).
    serials : tuple of str
        Device serial numbers / ids (empty when anonymised).
    format : str or None
        Reader's format name.
    anonymized : bool
        Whether what the file said (subject, notes, serials, file name) was left out on
        purpose; a subject given by the user is kept.
    """

    file: str | None = None
    subject: str | None = None
    session: str | None = None
    date: str | None = None
    condition: str | None = None
    notes: str | None = None
    serials: tuple[str, ...] = field(default_factory=tuple)
    format: str | None = None
    anonymized: bool = False

    def rows(self) -> list[tuple[str, str]]:
        """``(label, text)`` rows for a header table; unknown items read "not recorded"."""
        unknown = "not recorded"
        hidden = "left out (anonymised)"
        rows = [
            ("subject", self.subject or (hidden if self.anonymized else unknown)),
            ("session", self.session or unknown),
            ("date", self.date or (hidden if self.anonymized else unknown)),
            ("condition", self.condition or unknown),
            ("file", hidden if self.anonymized else (self.file or unknown)),
        ]
        if self.anonymized:
            rows.append(("notes", hidden))
        elif self.notes:
            rows.append(("notes", self.notes))
        if self.serials:
            rows.append(("devices", ", ".join(self.serials)))
        return rows

    def title(self) -> str:
        """A short page title: subject, session and date when known, else the file name."""
        parts = [p for p in (self.subject, self.session, self.date) if p]
        return " · ".join(parts) if parts else (self.file or "recording")  # (no file when anonymised)


def _subject_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("id", "name", "subject"):
            if value.get(key):
                return str(value[key])
        return None
    text = str(value).strip()
    return text or None


def _date_text(md: dict[str, Any]) -> str | None:
    for key in _DATE_KEYS:
        value = md.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, (_dt.datetime, _dt.date)):
            return (
                value.isoformat(sep=" ", timespec="minutes")
                if isinstance(value, _dt.datetime)
                else str(value)
            )
        text = str(value).strip()
        try:  # ISO stamps (capture headers, Moticon) to minutes; other vendor texts as written
            stamp = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        suffix = " UTC" if text.endswith("Z") or stamp.utcoffset() == _dt.timedelta(0) else ""
        return stamp.strftime("%Y-%m-%d %H:%M") + suffix
    return None


def _serials(md: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for side in ("left", "right"):
        if md.get(f"serial_{side}"):
            out.append(f"{side} {md[f'serial_{side}']}")
    for dev in md.get("devices") or ():
        if isinstance(dev, dict) and dev.get("device_id") is not None:
            out.append(f"{dev.get('side', '?')} {dev['device_id']}")
    return tuple(out)


def session_identity(
    recording: Recording,
    *,
    subject: str | None = None,
    session: str | None = None,
    date: str | None = None,
    condition: str | None = None,
    notes: str | None = None,
    anonymize: bool = False,
) -> SessionIdentity:
    """The identity of ``recording`` for a report, given values first, then its metadata.

    Parameters
    ----------
    recording : Recording
    subject, session, date, condition, notes : str, optional
        Override what the metadata says.
    anonymize : bool
        Leave out what came from the file (subject, notes, device serials, file name) and keep
        only the year of the date; a ``subject`` given here is a pseudonym and stays.

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=2, seed=1)
    >>> rec.metadata["path"] = "/clinic/Jane Doe/run.csv"
    >>> ident = session_identity(rec, subject="P01", condition="barefoot")
    >>> ident.file, ident.subject, ident.condition
    ('run.csv', 'P01', 'barefoot')
    >>> rec.metadata["subject"] = "Jane Doe"
    >>> session_identity(rec, anonymize=True).subject is None
    True
    >>> session_identity(rec, subject="P01", anonymize=True).subject
    'P01'
    """
    md = recording.metadata
    found_file = next((file_name(md[k]) for k in _PATH_KEYS if md.get(k) and _looks_like_path(md[k])), None)
    ident = SessionIdentity(
        file=found_file,
        subject=subject or _subject_text(md.get("subject")) or _subject_text(md.get("subject_id")),
        session=session or _subject_text(md.get("session")),
        date=date or _date_text(md),
        condition=condition or _subject_text(md.get("condition")),
        notes=notes or _subject_text(md.get("notes")),
        serials=_serials(md),
        format=_subject_text(md.get("format")),
    )
    if anonymize:
        year = (ident.date or "")[:4]  # a full date and time identifies (and Moticon names files by it)
        ident = replace(
            ident,
            subject=_subject_text(subject),  # the user's pseudonym; the file's subject is left out
            notes=None,
            serials=(),
            file=None,
            date=year if year.isdigit() else None,
            anonymized=True,
        )
    return ident


def _looks_like_path(value: Any) -> bool:
    """Reader names such as ``sensorkit.capture`` or ``sensorkit.simulate`` are not files."""
    text = str(value)
    return not text.startswith("sensorkit.")
