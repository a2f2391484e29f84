"""``sim://``: a simulated insole speaking the real wire protocol, paced in real time.

The bytes come from :class:`~sensorkit.devices.firmware.SimFirmware` (frames encoded with
:mod:`sensorkit.protocol`) and go through the same framer, decoder and clock mapping as
hardware. ``sim://`` without ``side`` opens a left/right pair.

Query parameters: ``side`` (left/right), ``foot`` (normal/flat/high), ``strike``
(rearfoot/midfoot/forefoot), ``cadence`` (steps/min), ``speed`` (m/s), ``mass`` (kg),
``asym`` (0.1 = 10 %), ``noise`` (N), ``loss`` (packet-loss probability), ``drift``
(device clock error, ppm), ``seed``, ``rate`` (Hz), ``layout``, plus the device options
``timeout``, ``reconnect``.

A raw FSR insole: ``units=counts`` sends 12-bit ADC counts (DEVICE_INFO units 0, ADC bits
12) of a mis-calibrated insole (per-sensor zero offsets, sensitivity error, drift, noise,
saturation; ``miscal`` seeds those errors, default ``seed``). Calibrate it with
``script=calibration`` (the subject holds the guided-calibration postures,
:data:`sensorkit.devices.firmware.CALIBRATION_SCRIPT`, ``hold`` s each; with ``side=`` one
insole follows its own steps in them) and open it with ``calibration=`` to get newtons::

    sensorkit calibrate "sim://?units=counts&miscal=3&script=calibration" --mass 70 -o cal.json
    sensorkit stream "sim://?units=counts&miscal=3" --calibration cal.json
"""

from __future__ import annotations

import threading

from sensorkit.devices.firmware import SimFirmware, SimParams
from sensorkit.devices.transport import LinkLost, Transport, host_time
from sensorkit.devices.url import DeviceURL

__all__ = ["PARAMS", "SimTransport", "sim_params"]

PARAMS = (
    "side",
    "foot",
    "strike",
    "cadence",
    "speed",
    "mass",
    "asym",
    "noise",
    "loss",
    "drift",
    "seed",
    "rate",
    "layout",
    "units",
    "miscal",
    "script",
    "hold",
)


def sim_params(url: DeviceURL, side: str | None = None) -> SimParams:
    """Checked :class:`SimParams` from a ``sim://`` URL (``side`` overrides the URL's)."""
    return SimParams(
        side=side or url.get_str("side", "left", ("left", "right")),
        foot=url.get_str("foot", "normal", ("normal", "flat", "high")),
        strike=url.get_str("strike", "rearfoot", ("rearfoot", "midfoot", "forefoot")),
        cadence=url.get_float("cadence", None, 30, 260),
        speed=url.get_float("speed", 3.0, 0.3, 10),
        mass=url.get_float("mass", 70.0, 20, 250),
        asym=url.get_float("asym", 0.0, -0.99, 0.99),
        noise=url.get_float("noise", 0.0, 0, 1000),
        loss=url.get_float("loss", 0.0, 0, 0.99),
        drift=url.get_float("drift", 0.0, -2000, 2000),
        seed=url.get_int("seed", 0, 0),
        rate=url.get_int("rate", 100, 10, 2000),
        layout=url.get_str("layout", "ref16"),
        units=url.get_str("units", "N", ("N", "counts")),
        miscal=url.get_int("miscal", None, 0),
        script=url.get_str("script", "run", ("run", "calibration")),
        hold=url.get_float("hold", 6.0, 1.0, 120.0),
    )


class SimTransport(Transport):
    """In-process link to a :class:`SimFirmware`: bytes become available when the firmware sends them.

    Parameters
    ----------
    firmware : SimFirmware
        The simulated device.
    name : str
        Endpoint name for messages.
    """

    def __init__(self, firmware: SimFirmware, name: str = "sim") -> None:
        self.firmware = firmware
        self.name = name
        self._cond = threading.Condition()
        self._open = False
        self.unplugged = False  # fault injection: the link is down while True

    def open(self) -> None:
        if self.unplugged:
            raise LinkLost("simulated insole out of range")
        self._open = True

    def read(self, timeout_s: float) -> tuple[bytes, float]:
        deadline = host_time() + timeout_s
        with self._cond:
            while True:
                if self.unplugged or not self._open:
                    raise LinkLost("simulated insole out of range")
                now = host_time()
                out = self.firmware.output(now)
                if out:
                    return out, now
                if now >= deadline:
                    return b"", now
                self._cond.wait(max(0.0, min(deadline, self.firmware.next_due()) - now))

    def write(self, data: bytes) -> None:
        with self._cond:
            if self.unplugged or not self._open:
                raise LinkLost("simulated insole out of range")
            self.firmware.receive(data, host_time())
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._open = False
            self._cond.notify_all()


def build(url: DeviceURL) -> tuple[SimTransport, dict]:
    """Transport and device options for a ``sim://`` URL with a side."""
    params = sim_params(url)
    firmware = SimFirmware(params)
    return SimTransport(firmware, name=f"sim-{params.side}"), {"side": params.side}
