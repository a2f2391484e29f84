"""Shared fixtures: paths to the bundled real data, and pseudo-terminal serial ports (:class:`Pty`)."""

from __future__ import annotations

import os
import threading
import time
import tty
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"
PHYSIONET_DIR = DATA_DIR / "physionet-gaitpdb"
#: Subject body masses (kg) from the gaitpdb demographics table (see the data README).
PHYSIONET_MASS_KG = {"GaCo01_01": 83.0, "GaCo03_01": 101.0, "GaCo04_02": 65.0}


@pytest.fixture(scope="session")
def physionet_files() -> list[Path]:
    """The three bundled PhysioNet gaitpdb control walks."""
    files = sorted(PHYSIONET_DIR.glob("GaCo*.txt"))
    assert len(files) == 3, f"bundled PhysioNet files missing from {PHYSIONET_DIR}"
    return files


def collect(dev, n_samples: int, timeout_s: float = 5.0) -> list:
    """Chunks read from ``dev`` (a device, pair or session) until ``n_samples`` arrived; fails after ``timeout_s``."""
    chunks, n = [], 0
    deadline = time.monotonic() + timeout_s
    while n < n_samples:
        assert time.monotonic() < deadline, f"only {n} samples"
        c = dev.read(timeout_s=0.5)
        if c is not None:
            chunks.append(c)
            n += c.n
    return chunks


def _ephemeral_ports() -> tuple[int, int]:
    """The kernel's range for bind(port 0) (Linux), else the IANA dynamic range."""
    try:
        lo, hi = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(lo), int(hi)
    except (OSError, ValueError):
        return 49152, 65535


def free_udp_port() -> int:
    """A free UDP port on 127.0.0.1 for a device to listen on, chosen below the ephemeral range.

    A port found with bind(0) and closed again is in the range the kernel hands to every other
    bind(0): another process took one between the probe and the device's own bind (seen once,
    "Address already in use", with tests running in parallel). Below that range only a program
    that asks for the port by number can take it.
    """
    import random
    import socket

    lo = _ephemeral_ports()[0]
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, max(20001, min(lo, 32768)))
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            probe.close()
        return port
    raise RuntimeError("no free UDP port below the ephemeral range")


class Pty:
    """A raw-mode pseudo-terminal pair; ``link`` is a stable symlink to the slave side (like /dev/serial/by-id).

    Serial tests open ``serial://<link>`` with real pyserial while a thread plays firmware on
    ``master`` (:meth:`run`); ``stop`` ends those threads. :meth:`unplug` stops them and closes
    both ends (the port disappears); :meth:`replug` (or ``stop.clear()`` then :meth:`plug`)
    makes a new pair behind the same link.
    """

    def __init__(self, link: Path) -> None:
        self.link = link
        self.threads: list[threading.Thread] = []
        self.stop = threading.Event()
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        tmp = self.link.with_suffix(".new")
        if tmp.exists() or tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(os.ttyname(self.slave))
        os.replace(tmp, self.link)

    def unplug(self) -> None:
        self.stop.set()
        for th in self.threads:
            th.join(timeout=2)
        self.threads.clear()
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def replug(self) -> None:
        self.stop.clear()
        self.plug()

    @property
    def path(self) -> str:
        """What pyserial opens: the stable link (``serial://<path>``)."""
        return str(self.link)

    def run(self, target, *args) -> None:
        th = threading.Thread(target=target, args=args, daemon=True)
        th.start()
        self.threads.append(th)

    def play(self, lines: list[bytes], period_s: float, per_write: int = 1) -> None:
        """A board thread writing ``per_write`` of ``lines`` every ``period_s`` until done or stopped."""

        def body() -> None:
            for i in range(0, len(lines), per_write):
                if self.stop.is_set():
                    return
                os.write(self.master, b"".join(lines[i : i + per_write]))
                time.sleep(period_s)

        self.run(body)

    def close(self) -> None:
        self.unplug()


@pytest.fixture
def pty(tmp_path):
    """One pseudo-terminal insole port at ``tmp_path/ttyINSOLE``, closed after the test."""
    p = Pty(tmp_path / "ttyINSOLE")
    yield p
    p.close()
