"""The board identity reply, parsed into a record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoardIdentity:
    board: str
    cpu: str
    firmware: str
    build: str
    clock_hz: int
    counter: str  # "cycles" on hardware, "instructions" under emulation
    stack_bytes: int
    stack_peak_bytes: int
    flash_bytes: int
    static_ram_bytes: int

    @classmethod
    def parse(cls, line: bytes) -> BoardIdentity:
        text = line.decode(errors="replace").strip()
        if not text.startswith("ID "):
            raise ValueError(f"not an identity line: {text!r}")
        fields = dict(item.split("=", 1) for item in text[3:].split() if "=" in item)
        try:
            return cls(
                board=fields["board"],
                cpu=fields["cpu"],
                firmware=fields["fw"],
                build=fields["build"],
                clock_hz=int(fields["clock_hz"]),
                counter=fields["counter"],
                stack_bytes=int(fields["stack"]),
                stack_peak_bytes=int(fields["stack_peak"]),
                flash_bytes=int(fields["flash"]),
                static_ram_bytes=int(fields["ram"]),
            )
        except (KeyError, ValueError) as err:
            raise ValueError(f"identity line lacks or garbles {err}: {text!r}") from err
