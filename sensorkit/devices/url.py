"""Device URLs: ``scheme://target?key=value&...`` parsed once, with typed, checked parameters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from sensorkit.errors import DeviceError

__all__ = ["DeviceURL", "parse_url"]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class DeviceURL:
    """A parsed device URL.

    Attributes
    ----------
    raw : str
        The URL as given.
    scheme : str
        ``sim``, ``serial``, ``ble``, ``tcp`` or ``replay`` (lower case).
    target : str
        What follows ``scheme://`` up to ``?``: a path, ``host:port`` or BLE address.
    params : dict of str to str
        Query parameters (the last value wins when a key repeats).
    """

    raw: str
    scheme: str
    target: str
    params: dict[str, str] = field(default_factory=dict)

    def check_known(self, known: Iterable[str]) -> None:
        """Raise :class:`DeviceError` naming any parameter not in ``known`` (typos fail loudly)."""
        known = tuple(known)
        unknown = sorted(set(self.params) - set(known))
        if unknown:
            raise DeviceError(
                f"{self.raw}: unknown parameter(s) {', '.join(unknown)} for {self.scheme}://",
                hint=f"{self.scheme}:// takes: {', '.join(sorted(known))}",
            )

    def get_str(
        self, key: str, default: str | None = None, choices: Iterable[str] | None = None
    ) -> str | None:
        """Parameter ``key`` as text, checked against ``choices`` when given."""
        value = self.params.get(key, default)
        if value is not None and choices is not None:
            choices = tuple(choices)
            if value not in choices:
                raise DeviceError(
                    f"{self.raw}: {key}={value!r} is not one of {', '.join(choices)}",
                )
        return value

    def get_float(
        self, key: str, default: float | None, lo: float = float("-inf"), hi: float = float("inf")
    ) -> float | None:
        """Parameter ``key`` as a float in ``[lo, hi]`` (``default`` when absent)."""
        text = self.params.get(key)
        if text is None:
            return default
        try:
            value = float(text)
        except ValueError:
            raise DeviceError(f"{self.raw}: {key}={text!r} is not a number") from None
        if not lo <= value <= hi:
            raise DeviceError(f"{self.raw}: {key}={value:g} is outside {lo:g}..{hi:g}")
        return value

    def get_int(
        self, key: str, default: int | None, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        """Parameter ``key`` as an integer in ``[lo, hi]`` (``default`` when absent)."""
        text = self.params.get(key)
        if text is None:
            return default
        try:
            value = int(text, 0)
        except ValueError:
            raise DeviceError(f"{self.raw}: {key}={text!r} is not an integer") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise DeviceError(f"{self.raw}: {key}={value} is outside {lo}..{hi}")
        return value

    def get_bool(self, key: str, default: bool) -> bool:
        """Parameter ``key`` as a boolean (1/0, true/false, yes/no, on/off)."""
        text = self.params.get(key)
        if text is None:
            return default
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise DeviceError(f"{self.raw}: {key}={text!r} is not a boolean (use 1 or 0)")


def parse_url(url: str) -> DeviceURL:
    """Split a device URL into scheme, target and parameters.

    Parameters
    ----------
    url : str
        For example ``"sim://?side=left&drift=200"``, ``"serial:///dev/ttyUSB0?baud=921600"``,
        ``"ble://name=Insole-L"``, ``"tcp://127.0.0.1:7001"``, ``"replay://run.skr?speed=0"``.

    Raises
    ------
    DeviceError
        When the text is not ``scheme://...``.
    """
    if "://" not in url:
        raise DeviceError(
            f"{url!r} is not a device URL",
            hint="use sim://, serial:///dev/ttyUSB0, ble://ADDRESS, tcp://HOST:PORT or replay://FILE.skr",
        )
    parts = urlsplit(url)
    target = unquote(parts.netloc + parts.path)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    return DeviceURL(raw=url, scheme=parts.scheme.lower(), target=target, params=params)
