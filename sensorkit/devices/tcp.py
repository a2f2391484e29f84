"""``tcp://HOST:PORT``: the wire protocol over a TCP socket (gateways, test rigs)."""

from __future__ import annotations

import select
import socket

from sensorkit.devices.transport import WRITE_TIMEOUT_S, LinkLost, Transport, host_time
from sensorkit.devices.url import DeviceURL
from sensorkit.errors import DeviceError

__all__ = ["PARAMS", "TcpTransport"]

PARAMS = ("side", "layout", "format", "rate", "units", "scale", "clock_bits", "clock_unit", "profile")
CONNECT_TIMEOUT_S = 3.0


class TcpTransport(Transport):
    """Bytes over one TCP connection (TCP_NODELAY; reconnects open a new connection).

    Parameters
    ----------
    host : str
        Host name or address.
    port : int
        TCP port.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = int(port)
        self.name = f"{host}:{port}"
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise DeviceError(
                f"cannot connect to tcp://{self.name}: {exc}",
                hint="is the gateway running and listening on that port?",
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self._sock = sock

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        sock = self._sock
        if sock is None:
            raise LinkLost("not connected")
        try:
            ready, _, _ = select.select([sock], [], [], timeout_s)
            if not ready:
                return b"", host_time()
            data = sock.recv(65536)
        except BlockingIOError:
            return b"", host_time()
        except (OSError, ValueError) as exc:
            raise LinkLost(f"tcp://{self.name}: {exc}") from None
        if not data:
            raise LinkLost(f"tcp://{self.name}: connection closed by the peer")
        return data, host_time()

    def fileno(self) -> int | None:
        sock = self._sock
        return sock.fileno() if sock is not None else None

    def write(self, data: bytes) -> None:
        sock = self._sock
        if sock is None:
            raise LinkLost("not connected")
        view = memoryview(data)
        deadline = host_time() + WRITE_TIMEOUT_S
        try:
            while view:
                try:
                    view = view[sock.send(view) :]
                except BlockingIOError:
                    left = deadline - host_time()
                    if left <= 0:
                        raise LinkLost(
                            f"tcp://{self.name}: write timed out after {WRITE_TIMEOUT_S:g} s (the peer is not reading)"
                        ) from None
                    select.select([], [sock], [], left)
        except OSError as exc:
            raise LinkLost(f"tcp://{self.name}: {exc}") from None

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def build(url: DeviceURL) -> tuple[TcpTransport, dict]:
    """Transport and device options for a ``tcp://HOST:PORT`` URL."""
    from sensorkit.devices.serial import line_mode_options

    host, sep, port = url.target.rstrip("/").rpartition(":")
    if not sep or not port.isdigit():
        raise DeviceError(f"{url.raw}: expected tcp://HOST:PORT", hint="e.g. tcp://127.0.0.1:7001")
    return TcpTransport(host.strip("[]"), int(port)), line_mode_options(url)
