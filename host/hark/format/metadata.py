"""The `hark` metadata blob inside a `.tflite` (docs/metadata.md): writer, reader and flatbuffer embedding.

The reader follows the same rules as the firmware's `firmware/modelmeta`: every length is bounds-checked against
the blob, a blob whose entries overrun it is refused, unknown keys are skipped, and a missing required key is an
error that names the key.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hark.format.flatbuffer import model_bytes, model_object, schema
from hark.spec import FEATURE_SCALE, OPTIONAL_FRONTEND_FIELDS, FrontendSpec, ModelSpec
from hark.spec import feature_scale as spec_feature_scale

MAGIC = b"HRK1"
VERSION = 1
METADATA_NAME = "hark"
# float feature = uint16 frontend output * scale; defined once, by the feature extractor.
DEFAULT_FEATURE_SCALE = FEATURE_SCALE
STREAM_MODES = ("window", "stream_external", "stream_internal")


class MetadataError(ValueError):
    """The metadata blob is corrupt, of another version, lacks a required key or has a key of the wrong type."""


Value = int | float | str | bool | Sequence[int]


def _encode_value(key: str, value: Value) -> tuple[bytes, bytes]:
    if isinstance(value, bool) or isinstance(value, int):
        return b"i", struct.pack("<i", int(value))
    if isinstance(value, float):
        return b"f", struct.pack("<f", value)
    if isinstance(value, str):
        return b"s", value.encode("utf-8")
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return b"a", struct.pack(f"<{len(value)}i", *value)
    raise MetadataError(f"metadata key '{key}': cannot encode {type(value).__name__} {value!r}")


def encode_blob(entries: Mapping[str, Value]) -> bytes:
    """Packs typed entries: int/bool as `i`, float as `f` (float32), str as `s`, a list of ints as `a`."""
    if len(entries) > 0xFFFF:
        raise MetadataError("too many metadata entries")
    out = [MAGIC, struct.pack("<HH", VERSION, len(entries))]
    for key, value in entries.items():
        raw_key = key.encode("ascii")
        if not 0 < len(raw_key) <= 0xFF:
            raise MetadataError(f"metadata key '{key}' must be 1..255 ASCII bytes")
        kind, raw = _encode_value(key, value)
        if len(raw) > 0xFFFF:
            raise MetadataError(f"metadata key '{key}': value of {len(raw)} bytes exceeds 65535")
        out += [bytes([len(raw_key)]), raw_key, kind, struct.pack("<H", len(raw)), raw]
    return b"".join(out)


def decode_blob(blob: bytes) -> dict[str, Value]:
    """Unpacks every entry, checking each length against the blob. Values: int, float, str or tuple of ints."""
    blob = bytes(blob)
    if len(blob) < 8 or blob[:4] != MAGIC:
        raise MetadataError("not a hark metadata blob (bad magic or shorter than its header)")
    version, count = struct.unpack_from("<HH", blob, 4)
    if version != VERSION:
        raise MetadataError(f"metadata format version {version} is not supported (this reader knows {VERSION})")
    pos, entries = 8, {}
    for index in range(count):
        if len(blob) - pos < 1:
            raise MetadataError(f"metadata entry {index} overruns the blob")
        key_len = blob[pos]
        pos += 1
        if key_len == 0 or len(blob) - pos < key_len + 3:
            raise MetadataError(f"metadata entry {index} overruns the blob")
        key = blob[pos : pos + key_len].decode("ascii", errors="replace")
        pos += key_len
        kind = chr(blob[pos])
        (value_len,) = struct.unpack_from("<H", blob, pos + 1)
        pos += 3
        if len(blob) - pos < value_len:
            raise MetadataError(f"metadata entry '{key}' overruns the blob")
        raw = blob[pos : pos + value_len]
        pos += value_len
        if kind in "if" and value_len != 4:
            raise MetadataError(f"metadata entry '{key}' of type {kind} has {value_len} bytes, not 4")
        if kind == "i":
            entries[key] = struct.unpack("<i", raw)[0]
        elif kind == "f":
            entries[key] = struct.unpack("<f", raw)[0]
        elif kind == "s":
            entries[key] = raw.decode("utf-8")
        elif kind == "a":
            if value_len % 4:
                raise MetadataError(f"metadata array '{key}' has {value_len} bytes, not a multiple of 4")
            entries[key] = struct.unpack(f"<{value_len // 4}i", raw)
        # other types: skipped, as unknown keys are (forward compatibility)
    return entries


@dataclass(frozen=True)
class StreamInfo:
    mode: str = "window"
    frames_per_call: int = 49
    window_frames: int = 49  # window mode only (0 otherwise)
    every_hops: int = 1  # window mode only (1 otherwise)
    state_inputs: tuple[int, ...] = ()
    state_outputs: tuple[int, ...] = ()


def spec_entries(spec: ModelSpec, stream: StreamInfo, *, feature_scale: float | None = None) -> dict:
    """Every key of docs/metadata.md for `spec` exported as `stream`."""
    if stream.mode not in STREAM_MODES:
        raise MetadataError(f"stream.mode must be one of {STREAM_MODES}, not '{stream.mode}'")
    if len(stream.state_inputs) != len(stream.state_outputs):
        raise MetadataError("stream.state_inputs and stream.state_outputs must pair up one to one")
    entries: dict[str, Value] = {"spec.name": spec.name, "spec.hash": spec.hash, "labels": ",".join(spec.labels)}
    for f in dataclasses.fields(spec.frontend):
        if f.name == "kind":
            # written only when not the microfrontend, so the device can refuse what its pipeline cannot feed
            # (models without the key, all exported before it, keep their bytes)
            if spec.frontend.kind != "microfrontend":
                entries["frontend.kind"] = spec.frontend.kind
            continue
        value = getattr(spec.frontend, f.name)
        entries[f"frontend.{f.name}"] = float(value) if isinstance(value, float) else int(value)
    entries["features.scale"] = float(spec_feature_scale(spec.frontend) if feature_scale is None else feature_scale)
    r = spec.recognition
    entries["recognition.average_window_ms"] = int(r.average_window_ms)
    entries["recognition.detection_threshold"] = float(r.detection_threshold)
    entries["recognition.suppression_ms"] = int(r.suppression_ms)
    entries["recognition.minimum_count"] = int(r.minimum_count)
    entries["stream.mode"] = stream.mode
    entries["stream.frames_per_call"] = int(stream.frames_per_call)
    if stream.mode == "window":
        entries["stream.window_frames"] = int(stream.window_frames)
        entries["stream.every_hops"] = int(stream.every_hops)
    if stream.mode == "stream_external":
        entries["stream.state_inputs"] = [int(i) for i in stream.state_inputs]
        entries["stream.state_outputs"] = [int(i) for i in stream.state_outputs]
    return entries


def required_keys(entries: Mapping[str, Any]) -> list[str]:
    """The keys a reader must find; the stream keys depend on `stream.mode`."""
    keys = ["spec.name", "spec.hash", "labels", "features.scale", "stream.mode", "stream.frames_per_call"]
    keys += [f"frontend.{f.name}" for f in dataclasses.fields(FrontendSpec)
             if f.name != "kind" and f.name not in OPTIONAL_FRONTEND_FIELDS]  # fmt: skip
    keys += [f"recognition.{k}" for k in ("average_window_ms", "detection_threshold", "suppression_ms",
                                          "minimum_count")]
    mode = entries.get("stream.mode")
    if mode == "window":
        keys += ["stream.window_frames", "stream.every_hops"]
    elif mode == "stream_external":
        keys += ["stream.state_inputs", "stream.state_outputs"]
    return keys


def check_entries(entries: Mapping[str, Value]) -> None:
    """Raises MetadataError naming the first missing required key, or one whose type is wrong."""
    reference = {
        "spec.name": str, "spec.hash": str, "labels": str, "features.scale": float, "stream.mode": str,
        "stream.frames_per_call": int, "stream.window_frames": int, "stream.every_hops": int,
        "stream.state_inputs": tuple, "stream.state_outputs": tuple,
        "recognition.detection_threshold": float,
    }
    for key in required_keys(entries):
        if key not in entries:
            raise MetadataError(f"metadata lacks the required key '{key}'")
        want = reference.get(key)
        if want is None and key.startswith("frontend."):
            want = float if isinstance(getattr(FrontendSpec(), key.split(".", 1)[1]), float) else int
        want = want or int
        accepted = (list, tuple) if want is tuple else want
        if not isinstance(entries[key], accepted) or (want is int and isinstance(entries[key], bool)):
            got = type(entries[key]).__name__
            raise MetadataError(f"metadata key '{key}' has type {got}, expected {want.__name__}")
    if entries["stream.mode"] not in STREAM_MODES:
        raise MetadataError(f"metadata stream.mode '{entries['stream.mode']}' is not one of {STREAM_MODES}")


@dataclass(frozen=True)
class HarkMetadata:
    """The decoded metadata of one model, checked for every required key."""

    entries: dict[str, Value]

    @property
    def labels(self) -> list[str]:
        return str(self.entries["labels"]).split(",")

    @property
    def stream(self) -> StreamInfo:
        e = self.entries
        return StreamInfo(
            mode=str(e["stream.mode"]),
            frames_per_call=int(e["stream.frames_per_call"]),
            window_frames=int(e.get("stream.window_frames", 0)),
            every_hops=int(e.get("stream.every_hops", 1)),
            state_inputs=tuple(e.get("stream.state_inputs", ())),
            state_outputs=tuple(e.get("stream.state_outputs", ())),
        )

    @property
    def sample_rate(self) -> int:
        return int(self.entries["frontend.sample_rate"])

    @property
    def hop_ms(self) -> float:
        return float(self.entries["frontend.window_step_ms"])

    def frontend(self) -> dict[str, int | float]:
        return {k.split(".", 1)[1]: v for k, v in self.entries.items() if k.startswith("frontend.")}

    def __getitem__(self, key: str) -> Value:
        return self.entries[key]


# ---- the flatbuffer side: Model.metadata entry named "hark" pointing at a Buffer ----


def _model_object(tflite: bytes) -> schema.ModelT:
    return model_object(tflite)


def embed_metadata(tflite: bytes, blob: bytes) -> bytes:
    """Returns `tflite` with a `hark` metadata entry holding `blob` (replacing any previous one). Buffers nothing
    refers to any more (a replaced entry's) are dropped: each re-tune used to leave the old blob behind, flash the
    device pays for."""
    model = _model_object(tflite)
    buffer = schema.BufferT()
    buffer.data = list(blob)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = METADATA_NAME
    entry.buffer = len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if _name(m) != METADATA_NAME] + [entry]
    _drop_unreferenced_buffers(model)
    return model_bytes(model)


def _drop_unreferenced_buffers(model: schema.ModelT) -> None:
    """Removes the buffers no tensor and no metadata entry names (buffer 0, the schema's empty sentinel, stays),
    renumbering the references to those that stay."""
    used = {0}
    for sg in model.subgraphs or []:
        used.update(t.buffer for t in sg.tensors or [])
    used.update(m.buffer for m in model.metadata or [])
    used.update(model.metadataBuffer or [])
    keep = [i for i in range(len(model.buffers or [])) if i in used]
    if len(keep) == len(model.buffers or []):
        return
    new_index = {old: new for new, old in enumerate(keep)}
    model.buffers = [model.buffers[i] for i in keep]
    for sg in model.subgraphs or []:
        for t in sg.tensors or []:
            t.buffer = new_index[t.buffer]
    for m in model.metadata or []:
        m.buffer = new_index[m.buffer]
    if model.metadataBuffer is not None:
        model.metadataBuffer = [new_index[i] for i in model.metadataBuffer]


def strip_metadata(tflite: bytes) -> bytes:
    """Returns `tflite` without its `hark` metadata entry: a bare model, which a device can profile but not run
    on audio (its buffer stays, unreferenced)."""
    model = _model_object(tflite)
    model.metadata = [m for m in (model.metadata or []) if _name(m) != METADATA_NAME] or None
    return model_bytes(model)


def _name(meta: schema.MetadataT) -> str:
    return meta.name.decode() if isinstance(meta.name, bytes) else str(meta.name)


def extract_blob(tflite: bytes) -> bytes:
    """The raw bytes of the `hark` metadata entry; MetadataError if the model has none."""
    model = schema.Model.GetRootAs(bytearray(tflite), 0)
    for i in range(model.MetadataLength()):
        meta = model.Metadata(i)
        if meta.Name() is not None and meta.Name().decode() == METADATA_NAME:
            buffer = model.Buffers(meta.Buffer())
            if buffer is None:
                raise MetadataError(f"metadata '{METADATA_NAME}' points at missing buffer {meta.Buffer()}")
            if buffer.Offset() > 1:  # large-model layout: data lives after the flatbuffer
                return bytes(tflite[buffer.Offset() : buffer.Offset() + buffer.Size()])
            return buffer.DataAsNumpy().tobytes() if buffer.DataLength() else b""
    raise MetadataError(f"the model has no '{METADATA_NAME}' metadata entry")


def read_metadata(tflite: bytes) -> HarkMetadata:
    entries = decode_blob(extract_blob(tflite))
    check_entries(entries)
    return HarkMetadata(entries)


def write_metadata(tflite: bytes, spec: ModelSpec, stream: StreamInfo, **kwargs: Any) -> bytes:
    entries = spec_entries(spec, stream, **kwargs)
    check_entries(entries)
    return embed_metadata(tflite, encode_blob(entries))
