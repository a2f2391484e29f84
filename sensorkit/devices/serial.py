"""``serial://PATH?baud=921600``: an insole on a serial port (pyserial), binary or CSV-line mode."""

from __future__ import annotations

import os
import select

import serial as pyserial

from sensorkit.devices.transport import WRITE_TIMEOUT_S, LinkLost, Transport, host_time
from sensorkit.devices.url import DeviceURL
from sensorkit.errors import DeviceError

__all__ = ["DEFAULT_BAUD", "PARAMS", "SerialTransport"]

DEFAULT_BAUD = 921600
READ_SIZE = 65536
PARAMS = ("baud", "format", "layout", "rate", "units", "scale", "side")


class SerialTransport(Transport):
    """Bytes over a serial port opened with pyserial (exclusive access, 8N1).

    Parameters
    ----------
    port : str
        Device path (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``, ``COM3``).
    baud : int
        Baud rate.
    """

    def __init__(self, port: str, baud: int = DEFAULT_BAUD) -> None:
        self.name = port
        self.port = port
        self.baud = int(baud)
        self._ser: pyserial.Serial | None = None

    def open(self) -> None:
        try:
            self._ser = pyserial.Serial(
                self.port, self.baud, timeout=0, write_timeout=WRITE_TIMEOUT_S, exclusive=True
            )
        except (pyserial.SerialException, OSError, ValueError) as exc:
            raise DeviceError(
                f"cannot open serial port {self.port}: {exc}",
                hint="'sensorkit devices' lists the ports; on Linux add yourself to the dialout group",
            ) from None

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        # pyserial configures the port; the hot path waits on its descriptor directly, which
        # costs one select and one read per wake-up instead of pyserial's read(1) + read(n).
        ser = self._ser
        if ser is None:
            raise LinkLost("port closed")
        try:
            ready, _, _ = select.select([ser.fd], [], [], timeout_s)
            if not ready:
                return b"", host_time()
            data = os.read(ser.fd, READ_SIZE)
        except (OSError, TypeError, ValueError) as exc:
            raise LinkLost(f"serial port {self.port}: {exc}") from None
        if not data:
            raise LinkLost(f"serial port {self.port}: device disconnected (readable but no data)")
        return data, host_time()

    def fileno(self) -> int | None:
        ser = self._ser
        fd = getattr(ser, "fd", None) if ser is not None else None
        return fd if isinstance(fd, int) and os.name == "posix" else None

    def write(self, data: bytes) -> None:
        ser = self._ser
        if ser is None:
            raise LinkLost("port closed")
        try:
            ser.write(data)
        except pyserial.SerialTimeoutException:
            raise LinkLost(
                f"serial port {self.port}: write timed out after {WRITE_TIMEOUT_S:g} s (the device is not reading)"
            ) from None
        except (pyserial.SerialException, OSError) as exc:
            raise LinkLost(f"serial port {self.port}: {exc}") from None

    def close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            try:
                ser.close()
            except (pyserial.SerialException, OSError):
                pass


def build(url: DeviceURL) -> tuple[SerialTransport, dict]:
    """Transport and device options for a ``serial://`` URL."""
    if not url.target:
        raise DeviceError(f"{url.raw}: no port given", hint="e.g. serial:///dev/ttyUSB0?baud=921600")
    baud = url.get_int("baud", DEFAULT_BAUD, 50, 20_000_000)
    return SerialTransport(url.target, baud), line_mode_options(url)


def line_mode_options(url: DeviceURL) -> dict:
    """Device options for ``format=csv`` (layout, rate, units, scale) or binary (layout override)."""
    fmt = url.get_str("format", "binary", ("binary", "csv"))
    opts: dict = {"mode": fmt}
    if url.get_str("layout") is not None:
        opts["layout"] = url.get_str("layout")
    if fmt == "csv":
        opts["csv_rate_hz"] = url.get_float("rate", 100.0, 1, 100_000)
        opts["csv_units"] = url.get_str("units", "counts", ("counts", "N", "kPa", "mV"))
        opts["csv_scale"] = url.get_float("scale", 1.0, 0, float("inf"))
    return opts
