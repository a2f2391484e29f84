"""``udp://HOST:PORT``: datagrams sent to a local port (Wi-Fi boards, gateways), binary or CSV-line mode.

The host listens on ``HOST:PORT`` (``udp://0.0.0.0:9999`` for every interface,
``udp://127.0.0.1:9999`` for this machine only). Each datagram's bytes go to the same
framer and decoder as a serial stream, stamped with their arrival time. Commands (binary
mode) go back to the address the last datagram came from; before any datagram has
arrived there is nobody to send to, and such writes are dropped (counted in
:attr:`UdpTransport.unsent`), as UDP itself would drop them. A datagram never "closes": a
silent board shows as the device's timeout.

Datagrams are pieces of a byte stream by default (serial-to-UDP bridges such as ser2net
or ESP-Link cut lines anywhere): records are reassembled at their delimiter. A text profile
with ``datagram_records = true`` says that each datagram holds whole records (Moticon
OpenGo sends one line per datagram, ``../shared/devices/OPEN_INSOLES.md`` #11): a datagram
that does not end with the delimiter is given it, so senders that leave the newline out
(``sendto(line.encode())``) are read record by record instead of being run together into one
overlong record. The capture then holds the delimiter added, so a replay splits alike.
A binary profile with ``datagram_records = true`` (each datagram is whole frames,
Pressure2Pose) is read one datagram per :meth:`UdpTransport.read`, so the decoder sees each
datagram's own length and rejects one that is not whole frames instead of realigning the
stream; each datagram is a capture record of its own, with its own arrival time.
"""

from __future__ import annotations

import socket

from sensorkit.devices.transport import LinkLost, Transport, host_time
from sensorkit.devices.url import DeviceURL
from sensorkit.errors import DeviceError

__all__ = ["PARAMS", "UdpTransport", "build"]

PARAMS = ("side", "layout", "format", "rate", "units", "scale", "clock_bits", "clock_unit", "profile")
MAX_DATAGRAM = 65535  # bytes: the largest UDP payload
RECV_BUFFER = 4 * 1024 * 1024  # bytes of kernel buffer asked for, so a batch pause loses nothing


class UdpTransport(Transport):
    """Datagrams received on one local UDP port.

    Parameters
    ----------
    host : str
        Local address to listen on.
    port : int
        Local UDP port.
    record_end : bytes, optional
        Text profiles whose datagrams hold whole records (``datagram_records``): the record
        delimiter each datagram is completed with when it does not end with it (the datagram
        boundary ends the record). None: datagrams are passed on unchanged.
    one_datagram : bool
        Binary profiles whose datagrams are whole frames (``datagram_records``): each read
        returns at most one datagram, so its length reaches the decoder.
    """

    def __init__(
        self, host: str, port: int, record_end: bytes | None = None, one_datagram: bool = False
    ) -> None:
        self.host = host
        self.port = int(port)
        self.record_end = record_end
        self.one_datagram = one_datagram
        self.name = f"udp {host}:{port}"
        self._sock: socket.socket | None = None
        self._peer: tuple | None = None
        #: Writes dropped because no datagram had arrived yet (no address to answer).
        self.unsent = 0

    def open(self) -> None:
        try:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECV_BUFFER)
            except OSError:
                pass  # the system default is used
            sock.bind((self.host, self.port))
        except OSError as exc:
            raise DeviceError(
                f"cannot listen on udp://{self.host}:{self.port}: {exc}",
                hint="is another program (the vendor's own viewer, another sensorkit) bound to that port?",
            ) from None
        sock.setblocking(False)
        self._sock = sock

    @property
    def bound_port(self) -> int:
        """The local port (useful with ``udp://127.0.0.1:0``: the system picks one)."""
        if self._sock is None:
            return self.port
        return int(self._sock.getsockname()[1])

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        sock = self._sock
        if sock is None:
            raise LinkLost("not listening")
        chunks = []
        try:
            if timeout_s > 0:
                sock.settimeout(timeout_s)
                try:
                    data, self._peer = sock.recvfrom(MAX_DATAGRAM)
                    chunks.append(self._whole(data))
                except TimeoutError:
                    return b"", host_time()
                finally:
                    sock.setblocking(False)
            while not (self.one_datagram and chunks):  # everything already queued, in arrival order
                try:
                    data, self._peer = sock.recvfrom(MAX_DATAGRAM)
                except BlockingIOError:
                    break
                chunks.append(self._whole(data))
        except OSError as exc:
            raise LinkLost(f"{self.name}: {exc}") from None
        return b"".join(chunks), host_time()

    def _whole(self, data: bytes) -> bytes:
        """``data`` ending with :attr:`record_end` (appended when it is missing), when set."""
        end = self.record_end
        if end is None or not data or data.endswith(end):
            return data
        return data + end

    def fileno(self) -> int | None:
        return None if self._sock is None else self._sock.fileno()

    def write(self, data: bytes) -> None:
        sock = self._sock
        if sock is None:
            raise LinkLost("not listening")
        if self._peer is None:
            self.unsent += 1
            return
        try:
            sock.sendto(data, self._peer)
        except OSError as exc:
            raise LinkLost(f"{self.name}: {exc}") from None

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()


def build(url: DeviceURL) -> tuple[UdpTransport, dict]:
    """Transport and device options for a ``udp://HOST:PORT`` URL."""
    from sensorkit.devices.serial import line_mode_options

    host, sep, port = url.target.rstrip("/").rpartition(":")
    if not sep or not port.isdigit():
        raise DeviceError(f"{url.raw}: expected udp://HOST:PORT", hint="e.g. udp://127.0.0.1:9999")
    opts = line_mode_options(url)
    profile = opts.get("profile")
    one = profile is not None and profile.framing == "binary" and profile.datagram_records
    return UdpTransport(
        host.strip("[]") or "0.0.0.0", int(port), record_end=_line_end(opts), one_datagram=one
    ), opts


def _line_end(opts: dict) -> bytes | None:
    """The delimiter that closes each datagram of a text profile with ``datagram_records``, else None."""
    profile = opts.get("profile")
    if profile is not None and profile.framing == "text" and profile.datagram_records:
        return profile.delimiter
    return None
