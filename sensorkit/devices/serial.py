"""``serial://PATH?baud=921600``: an insole on a serial port (pyserial), binary or CSV-line mode.

The port is opened with :func:`serial.serial_for_url`, so pyserial's own URLs work as the
path too (``serial://rfc2217://host:port``, ``serial://loop://``). Ports with a file
descriptor (POSIX ttys) are read by the shared selector thread; ports without one
(pyserial's Windows class, pyserial URL handlers) are read by pyserial in the device's own
reader thread.
"""

from __future__ import annotations

import errno
import os
import select

import serial as pyserial

from sensorkit.devices.transport import WRITE_TIMEOUT_S, LinkLost, Transport, host_time
from sensorkit.devices.url import DeviceURL
from sensorkit.errors import DeviceError

__all__ = ["DEFAULT_BAUD", "PARAMS", "SerialTransport"]

DEFAULT_BAUD = 921600
READ_SIZE = 65536
PARAMS = ("baud", "format", "layout", "rate", "units", "scale", "side", "clock_bits", "clock_unit", "profile")


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
        self._ser: pyserial.SerialBase | None = None
        self._fd: int | None = None
        self._timeout: float | None = None

    def open(self) -> None:
        try:
            self._ser = pyserial.serial_for_url(
                self.port, self.baud, timeout=0, write_timeout=WRITE_TIMEOUT_S, exclusive=True
            )
        except (pyserial.SerialException, OSError, ValueError) as exc:
            raise open_error(self.port, exc) from None
        self._fd = _descriptor(self._ser)
        self._timeout = 0.0

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        # pyserial configures the port; the hot path waits on its descriptor directly, which
        # costs one select and one read per wake-up instead of pyserial's read(1) + read(n).
        ser = self._ser
        if ser is None:
            raise LinkLost("port closed")
        if self._fd is None:
            return self._read_pyserial(ser, timeout_s)
        try:
            ready, _, _ = select.select([self._fd], [], [], timeout_s)
            if not ready:
                return b"", host_time()
            data = os.read(self._fd, READ_SIZE)
        except (OSError, TypeError, ValueError) as exc:
            raise LinkLost(f"serial port {self.port}: {exc}") from None
        if not data:
            raise LinkLost(f"serial port {self.port}: device disconnected (readable but no data)")
        return data, host_time()

    def _read_pyserial(self, ser: pyserial.SerialBase, timeout_s: float) -> tuple[bytes, float]:
        """Read through pyserial's own API (no descriptor to wait on): up to ``timeout_s`` for a first byte."""
        try:
            if self._timeout != timeout_s:  # on Windows, setting the timeout reconfigures the port
                ser.timeout = timeout_s
                self._timeout = timeout_s
            data = ser.read(max(1, ser.in_waiting))
            if data:
                more = ser.in_waiting
                if more:
                    data += ser.read(min(more, READ_SIZE))
        except (pyserial.SerialException, OSError, TypeError, ValueError, AttributeError) as exc:
            raise LinkLost(f"serial port {self.port}: {exc}") from None
        return data, host_time()

    def fileno(self) -> int | None:
        return self._fd if self._ser is not None else None

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


def _descriptor(ser: pyserial.SerialBase) -> int | None:
    """The port's file descriptor for ``select``, or None (Windows ports, pyserial URL handlers)."""
    if os.name != "posix":
        return None
    try:
        fd = ser.fileno()
    except (OSError, AttributeError, ValueError):  # io.UnsupportedOperation is an OSError
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


#: errno values of a port that another program holds (flock's EWOULDBLOCK for pyserial's
#: ``exclusive=True``, EBUSY from drivers that allow one opener).
_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}


def open_error(port: str, exc: BaseException) -> DeviceError:
    """One clear :class:`DeviceError` for a port that cannot be opened, naming the fix.

    Busy (EBUSY, or the exclusive lock held elsewhere; on Windows "Access is denied" means
    the same), not permitted (EACCES/EPERM on POSIX: the dialout/uucp group), missing
    (ENOENT), or anything else with pyserial's own message.
    """
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code in _BUSY or "exclusively lock" in text or (os.name == "nt" and code == errno.EACCES):
        return DeviceError(
            f"cannot open serial port {port}: it is busy (another program has it open)",
            hint="close the other program (a serial monitor, the Arduino IDE, another sensorkit, "
            "ModemManager on Linux), then try again",
        )
    if code in (errno.EACCES, errno.EPERM):
        return DeviceError(
            f"cannot open serial port {port}: no permission to open it",
            hint="add yourself to the group that owns it (Linux: sudo usermod -aG dialout $USER; "
            "Arch: uucp), then log out and in again",
        )
    if code == errno.ENOENT:
        return DeviceError(
            f"cannot open serial port {port}: it does not exist",
            hint="'sensorkit devices' lists the ports; is the insole plugged in?",
        )
    return DeviceError(
        f"cannot open serial port {port}: {text}",
        hint="'sensorkit devices' lists the ports; on Linux add yourself to the dialout group",
    )


def build(url: DeviceURL) -> tuple[SerialTransport, dict]:
    """Transport and device options for a ``serial://`` URL."""
    if not url.target:
        raise DeviceError(f"{url.raw}: no port given", hint="e.g. serial:///dev/ttyUSB0?baud=921600")
    opts = line_mode_options(url)
    profile_baud = opts["profile"].transport["baud"] if "profile" in opts else None
    baud = url.get_int("baud", profile_baud or DEFAULT_BAUD, 50, 20_000_000)
    return SerialTransport(url.target, baud), opts


def line_mode_options(url: DeviceURL) -> dict:
    """Device options for ``profile=NAME_OR_FILE``, ``format=csv`` (layout, rate, units, scale, clock_bits,
    clock_unit) or binary (layout override)."""
    name = url.get_str("profile")
    if name is not None:
        from sensorkit.devices.profile import load_profile, with_rate

        if url.get_str("format", "profile") != "profile":
            raise DeviceError(f"{url.raw}: give either format= or profile=, not both")
        profile = with_rate(load_profile(name), url.get_float("rate", None, 0.01, 100_000))
        opts: dict = {"mode": "profile", "profile": profile}
        if url.get_str("layout") is not None:
            opts["layout"] = url.get_str("layout")
        return opts
    fmt = url.get_str("format", "binary", ("binary", "csv"))
    opts = {"mode": fmt}
    if url.get_str("layout") is not None:
        opts["layout"] = url.get_str("layout")
    if fmt == "csv":
        opts["csv_rate_hz"] = url.get_float("rate", 100.0, 1, 100_000)
        opts["csv_units"] = url.get_str("units", "counts", ("counts", "N", "kPa", "mV"))
        opts["csv_scale"] = url.get_float("scale", 1.0, 0, float("inf"))
        bits = url.get_str("clock_bits", None, ("16", "32", "64"))
        opts["csv_clock_bits"] = None if bits is None else int(bits)
        opts["csv_clock_unit"] = url.get_str("clock_unit", "us", ("us", "ms"))
    return opts
