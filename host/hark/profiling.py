"""Per-layer profiles of a `.tflite`, like `mltk profile`: on a board (emulated by default) or on the host.

For every operator: its name, output shape, MACs, and the counter delta of one invoke. On a board the
counter is the board's (cycles on hardware, instructions under QEMU, labelled as such); on the host it
is nanoseconds of the very same C runtime. Times at a clock and the CPU load at the model's hop rate
follow from the counts; under emulation they assume one instruction per cycle and are estimates.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from hark.device.session import _use_model
from hark.format.metadata import MetadataError, read_metadata
from hark.format.tflite import model_info
from hark.native.runtime import Interpreter


@dataclass
class LayerRow:
    index: int
    op: str
    output_shape: tuple[int, ...]
    macs: int
    count: int  # counter units of one invoke


@dataclass
class ProfileReport:
    model: str
    where: str  # "mps2-an386 (emulated)", "host", ...
    counter: str  # "instructions", "cycles" or "ns"
    clock_hz: int  # the clock the times and loads are computed at
    model_bytes: int
    arena_bytes: int
    invoke_total: int
    invokes_per_second: float
    layers: list[LayerRow] = field(default_factory=list)
    firmware_flash_bytes: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.layers)

    @property
    def layer_sum(self) -> int:
        return sum(r.count for r in self.layers)

    def seconds(self, count: int) -> float:
        return count * 1e-9 if self.counter == "ns" else count / self.clock_hz

    @property
    def cpu_load_pct(self) -> float:
        return 100.0 * self.seconds(self.invoke_total) * self.invokes_per_second

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.update(macs=self.macs, layer_sum=self.layer_sum, invoke_ms=round(1e3 * self.seconds(self.invoke_total), 4),
                 cpu_load_pct=round(self.cpu_load_pct, 2))  # fmt: skip
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def table(self) -> str:
        unit = {"instructions": "instr", "cycles": "cycles", "ns": "ns"}[self.counter]
        lines = [
            f"model {self.model}: {self.model_bytes} B, {self.macs:,} MACs per invoke, arena {self.arena_bytes:,} B",
            f"profiled on {self.where}; counts are {self.counter}"
            + ("" if self.counter == "ns" else f", times at {self.clock_hz / 1e6:g} MHz"),
            "",
            f"{'#':>3}  {'op':<22} {'output':<16} {'MACs':>11} {unit:>12} {'ms':>9} {unit + '/MAC':>11}",
        ]
        for r in self.layers:
            per_mac = f"{r.count / r.macs:.2f}" if r.macs else "-"
            lines.append(
                f"{r.index:>3}  {r.op:<22} {'x'.join(map(str, r.output_shape)):<16} {r.macs:>11,} {r.count:>12,} "
                f"{1e3 * self.seconds(r.count):>9.3f} {per_mac:>11}"
            )
        lines += [
            "",
            f"invoke: {self.invoke_total:,} {self.counter} ({1e3 * self.seconds(self.invoke_total):.3f} ms), "
            f"per-layer sum {self.layer_sum:,}",
            f"CPU load at {self.invokes_per_second:g} invokes/s: {self.cpu_load_pct:.1f} %",
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def invokes_per_second(tflite: bytes, hop_ms: float | None = None) -> tuple[float, str | None]:
    """The model's invoke rate from its metadata (hop and stride), or from `hop_ms`."""
    try:
        meta = read_metadata(tflite)
    except MetadataError:
        meta = None
    if hop_ms is None and meta is not None:
        every = meta.stream.every_hops if meta.stream.mode == "window" else 1
        return 1000.0 / (float(meta["frontend.window_step_ms"]) * every), None
    if hop_ms is None:
        return 50.0, "no hark metadata: assuming one invoke per 20 ms hop (--hop-ms sets it)"
    return 1000.0 / hop_ms, None


def _rows(tflite: bytes, counts: list[int]) -> list[LayerRow]:
    ops = model_info(tflite).ops
    return [
        LayerRow(i, op.name, tuple(op.output_shape), op.macs, int(counts[i]) if i < len(counts) else 0)
        for i, op in enumerate(ops[: len(counts)])
    ]


def profile_on_device(
    tflite: bytes, link: object, *, name: str, hop_ms: float | None = None, flash: bool = False
) -> ProfileReport:
    """Uploads the model into the board's RAM (with `flash`, its model flash region, for a model larger than
    the RAM upload buffer), switches to it and profiles one invoke."""
    _use_model(link, tflite, flash=flash)  # type: ignore[arg-type]
    ident = link.identity()  # type: ignore[attr-defined]
    counts = link.profile()  # type: ignore[attr-defined]
    total = int(link.last_profile_total)  # type: ignore[attr-defined]
    rate, note = invokes_per_second(tflite, hop_ms)
    emulated = ident.counter == "instructions"
    report = ProfileReport(
        model=name,
        where=f"{ident.board}" + (" (emulated)" if emulated else ""),
        counter=ident.counter,
        clock_hz=80_000_000 if emulated else ident.clock_hz,
        model_bytes=len(tflite),
        arena_bytes=ident.arena_used_bytes,
        invoke_total=total,
        invokes_per_second=rate,
        layers=_rows(tflite, counts),
        firmware_flash_bytes=ident.flash_bytes,
    )
    if emulated:
        report.notes.append("QEMU counts instructions, not cycles: times and load assume 1 instruction = 1 cycle "
                            "at 80 MHz, an estimate")  # fmt: skip
    if flash:
        report.notes.append(f"the model ran in place from the board's model flash region "
                            f"({ident.flash_capacity_bytes} B)")  # fmt: skip
    if note:
        report.notes.append(note)
    return report


def profile_on_host(tflite: bytes, *, name: str, hop_ms: float | None = None, repeats: int = 5) -> ProfileReport:
    """The same C runtime on this machine; per-op nanoseconds, the minimum over `repeats` invokes."""
    interp = Interpreter(tflite)
    interp.enable_profiling()
    best: list[int] | None = None
    for _ in range(repeats):
        interp.invoke()
        deltas = [p.delta for p in interp.profile]
        best = deltas if best is None else [min(a, b) for a, b in zip(best, deltas, strict=True)]
    counts = best or []
    rate, note = invokes_per_second(tflite, hop_ms)
    report = ProfileReport(
        model=name,
        where="host (the firmware's C runtime, portable kernels)",
        counter="ns",
        clock_hz=1_000_000_000,
        model_bytes=len(tflite),
        arena_bytes=interp.arena_used,
        invoke_total=sum(counts),
        invokes_per_second=rate,
        layers=_rows(tflite, counts),
    )
    if note:
        report.notes.append(note)
    return report
