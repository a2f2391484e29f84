"""Packet <-> JSON-field conversion shared by the vector generator and the tests.

The field names are the ones documented in firmware_protocol/vectors/README.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sensorkit.protocol import (
    Ack,
    Capability,
    Command,
    DeviceInfo,
    ImuSamples,
    Nack,
    Packet,
    PressureSamples,
    Side,
    Status,
    StatusFlags,
    TimeSync,
    Units,
)

__all__ = ["fields_to_packet", "packet_to_fields"]


def packet_to_fields(packet: Packet) -> dict[str, Any]:
    """Describe ``packet`` as the JSON object stored under ``expect.packet``.

    Parameters
    ----------
    packet : Packet
        A decoded or constructed packet.

    Returns
    -------
    dict
        JSON-serialisable fields, including derived ones (``timestamps_us``,
        ``sample_seq``) that implementations should reproduce.
    """
    out: dict[str, Any] = {"type": packet.type.name, "type_id": int(packet.type), "seq": packet.seq}
    if isinstance(packet, DeviceInfo):
        out.update(
            device_id=packet.device_id,
            firmware_version=list(packet.firmware_version),
            side=int(packet.side),
            sensor_count=packet.sensor_count,
            adc_bits=packet.adc_bits,
            units=int(packet.units),
            scale_exp=packet.scale_exp,
            layout_id=packet.layout_id,
            sample_rate_hz=packet.sample_rate_hz,
            capabilities=int(packet.capabilities),
        )
    elif isinstance(packet, PressureSamples):
        out.update(
            t0_us=packet.t0_us,
            first_sample_seq=packet.first_sample_seq,
            period_ns=packet.period_ns,
            bits=packet.bits,
            n_samples=packet.n_samples,
            n_channels=packet.n_channels,
            values=packet.values.tolist(),
            timestamps_us=[int(t) for t in packet.timestamps_us],
            sample_seq=[int(s) for s in packet.sample_seq],
        )
    elif isinstance(packet, ImuSamples):
        out.update(
            t0_us=packet.t0_us,
            first_sample_seq=packet.first_sample_seq,
            period_ns=packet.period_ns,
            accel_range_g=packet.accel_range_g,
            gyro_range_dps=packet.gyro_range_dps,
            n_samples=packet.n_samples,
            accel=packet.accel.tolist(),
            gyro=packet.gyro.tolist(),
            timestamps_us=[int(t) for t in packet.timestamps_us],
        )
    elif isinstance(packet, Status):
        out.update(
            device_time_us=packet.device_time_us,
            battery_pct=packet.battery_pct,
            temperature_cdeg=packet.temperature_cdeg,
            error_flags=int(packet.error_flags),
            streaming=packet.streaming,
        )
    elif isinstance(packet, TimeSync):
        out.update(
            command_seq=packet.command_seq,
            host_time_us=packet.host_time_us,
            device_rx_us=packet.device_rx_us,
            device_tx_us=packet.device_tx_us,
        )
    elif isinstance(packet, Command):
        out.update(command_id=int(packet.command), args_hex=packet.args.hex())
    elif isinstance(packet, Ack):
        out.update(command_seq=packet.command_seq, command_id=int(packet.command))
    elif isinstance(packet, Nack):
        out.update(
            command_seq=packet.command_seq,
            command_id=int(packet.command),
            reason=int(packet.reason),
        )
    return out


def fields_to_packet(f: dict[str, Any]) -> Packet:
    """Build the packet a vector's ``expect.packet`` describes (inverse of :func:`packet_to_fields`).

    Parameters
    ----------
    f : dict
        Fields as stored in a vector file.

    Returns
    -------
    Packet
        The packet dataclass.
    """
    kind = f["type"]
    seq = f["seq"]
    if kind == "DEVICE_INFO":
        return DeviceInfo(
            seq, f["device_id"], tuple(f["firmware_version"]), Side(f["side"]),
            f["sensor_count"], f["adc_bits"], Units(f["units"]), f["scale_exp"],
            f["layout_id"], f["sample_rate_hz"], Capability(f["capabilities"]),
        )  # fmt: skip
    if kind == "PRESSURE":
        values = np.array(f["values"], dtype=np.uint16).reshape(f["n_samples"], f["n_channels"])
        return PressureSamples(seq, f["t0_us"], f["first_sample_seq"], f["period_ns"], f["bits"], values)
    if kind == "IMU":
        return ImuSamples(
            seq, f["t0_us"], f["first_sample_seq"], f["period_ns"], f["accel_range_g"],
            f["gyro_range_dps"], np.array(f["accel"], dtype=np.int16).reshape(-1, 3),
            np.array(f["gyro"], dtype=np.int16).reshape(-1, 3),
        )  # fmt: skip
    if kind == "STATUS":
        return Status(
            seq, f["device_time_us"], f["battery_pct"], f["temperature_cdeg"],
            StatusFlags(f["error_flags"]), f["streaming"],
        )  # fmt: skip
    if kind == "TIME_SYNC":
        return TimeSync(seq, f["command_seq"], f["host_time_us"], f["device_rx_us"], f["device_tx_us"])
    if kind == "COMMAND":
        return Command(seq, f["command_id"], bytes.fromhex(f["args_hex"]))
    if kind == "ACK":
        return Ack(seq, f["command_seq"], f["command_id"])
    if kind == "NACK":
        return Nack(seq, f["command_seq"], f["command_id"], f["reason"])
    raise ValueError(f"unknown packet type in vector: {kind}")
