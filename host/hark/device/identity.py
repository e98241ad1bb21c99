"""The board identity (the IDENTITY message), as a record."""

from __future__ import annotations

from dataclasses import dataclass

from hark.device.protocol import Message

COUNTER_KINDS = {0: "cycles", 1: "instructions"}


@dataclass(frozen=True)
class BoardIdentity:
    board: str
    cpu: str
    firmware: str
    build: str
    protocol: int
    clock_hz: int
    counter: str  # "cycles" on hardware, "instructions" under emulation
    has_microphone: bool
    audio_window: int  # audio chunks the host may have in flight
    max_payload: int
    stack_bytes: int
    stack_peak_bytes: int
    flash_bytes: int
    static_ram_bytes: int
    arena_bytes: int
    arena_used_bytes: int
    model_name: str  # "" without a model
    model_hash: str
    model_bytes: int
    upload_capacity_bytes: int
    flash_capacity_bytes: int  # the model flash region (0: none), for models larger than the upload buffer
    clock: str = ""  # the clock in use, e.g. "HSI 16 MHz: HSE not ready (timeout)"

    @classmethod
    def from_message(cls, msg: Message) -> BoardIdentity:
        if msg.name != "IDENTITY":
            raise ValueError(f"not an IDENTITY message: {msg.name}")
        f = msg.fields
        if f["counter_kind"] not in COUNTER_KINDS:
            raise ValueError(f"unknown counter kind {f['counter_kind']} in IDENTITY")
        return cls(
            board=f["board"],
            cpu=f["cpu"],
            firmware=f["firmware"],
            build=f["build"],
            protocol=f["protocol"],
            clock_hz=f["clock_hz"],
            counter=COUNTER_KINDS[f["counter_kind"]],
            has_microphone=bool(f["has_microphone"]),
            audio_window=f["audio_window"],
            max_payload=f["max_payload"],
            stack_bytes=f["stack_size"],
            stack_peak_bytes=f["stack_peak"],
            flash_bytes=f["flash_used"],
            static_ram_bytes=f["static_ram_used"],
            arena_bytes=f["arena_size"],
            arena_used_bytes=f["arena_used"],
            model_name=f["model_name"],
            model_hash=f["model_hash"],
            model_bytes=f["model_size"],
            upload_capacity_bytes=f["upload_capacity"],
            flash_capacity_bytes=f["flash_capacity"],
            clock=f["clock"],
        )
