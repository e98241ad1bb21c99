"""An on-disk feature cache: one store per frontend setting hash, one record per clip, keyed by the clip's path,
modification time and size, so a second training run reads features instead of recomputing them, and an edited
clip is recomputed.

Layout: `<root>/<settings_key>/features.bin` (fixed-size records appended) + `index.json` (key -> record).
A lock file serializes writers; readers see only records the index names.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from hark.features.extract import feature_shape, settings_key
from hark.spec import FrontendSpec


def default_cache_dir() -> Path:
    env = os.environ.get("HARK_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "hark" / "features"


def file_key(path: str | os.PathLike[str]) -> str:
    st = os.stat(path)
    return f"{os.path.abspath(path)}|{st.st_mtime_ns}|{st.st_size}"


class FeatureCache:
    """Raw per-clip features (uint16 for the microfrontend, float32 otherwise) for one FrontendSpec."""

    def __init__(self, fe: FrontendSpec, root: str | os.PathLike[str] | None = None) -> None:
        self.fe = fe
        self.dtype = np.dtype(np.uint16 if fe.kind == "microfrontend" else np.float32)
        self.shape = feature_shape(fe)
        self.dir = Path(root) if root is not None else default_cache_dir()
        self.dir = self.dir / settings_key(fe)
        self.hits = 0
        self.misses = 0

    @property
    def _record_bytes(self) -> int:
        return int(np.prod(self.shape)) * self.dtype.itemsize

    def _index(self) -> dict[str, int]:
        path = self.dir / "index.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def get_or_compute(
        self, paths: Sequence[str], compute: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """Features for `paths` (N, frames, channels); `compute(missing_paths)` fills in the clips not cached."""
        if not paths:
            return np.zeros((0, *self.shape), self.dtype)
        keys = [file_key(p) for p in paths]
        index = self._index()
        missing = sorted({p for p, k in zip(paths, keys, strict=True) if k not in index})
        self.misses = len(missing)
        self.hits = len(set(paths)) - len(missing)
        if missing:
            fresh = np.asarray(compute(missing))
            if fresh.shape != (len(missing), *self.shape) or fresh.dtype != self.dtype:
                raise ValueError(f"feature cache: computed {fresh.dtype} {fresh.shape}, expected {self.dtype} "
                                 f"{(len(missing), *self.shape)}")  # fmt: skip
            index = self._append(missing, fresh)
        store = np.memmap(self.dir / "features.bin", dtype=self.dtype, mode="r").reshape(-1, *self.shape)
        return np.asarray(store[[index[k] for k in keys]])

    def _append(self, paths: list[str], feats: np.ndarray) -> dict[str, int]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            index = self._index()
            data = self.dir / "features.bin"
            size = data.stat().st_size if data.is_file() else 0
            row = size // self._record_bytes
            with open(data, "ab") as f:
                f.truncate(row * self._record_bytes)  # drop a partial record from an interrupted write
                f.write(np.ascontiguousarray(feats).tobytes())
            for i, p in enumerate(paths):
                index[file_key(p)] = row + i
            tmp = self.dir / f"index.json.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(index))
            os.replace(tmp, self.dir / "index.json")
        return index
