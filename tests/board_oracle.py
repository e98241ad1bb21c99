"""The board-against-twin check shared by the streaming tests: one model, one stream, every hop compared."""

from __future__ import annotations

import numpy as np

from hark.device.session import open_device
from hark.twin import Twin


def assert_board_equals_twin(
    model: bytes, audio: np.ndarray, *, threshold: float, suppression_ms: int, min_hops: int, timeout: float
) -> None:
    """Streams `audio` over serial to an emulated board running `model`; every hop's int8 scores and every
    detection must equal the host twin's, bit for bit. A low `threshold` gives recognition scores to act on."""
    twin = Twin(model)
    twin.set_recognition(detection_threshold=threshold, suppression_ms=suppression_ms)
    run = twin.run(audio)
    with open_device(model=model, timeout=30.0) as link:
        link.set_param("recognition.detection_threshold", threshold)
        link.set_param("recognition.suppression_ms", suppression_ms)
        link.set_param("report.scores_every_hops", 1)
        result = link.stream_audio(audio, timeout=timeout)
    board = [(m.hop, m.time_ms, np.asarray(m.scores, np.int8)) for m in result.messages if m.name == "SCORES"]
    assert len(board) == len(run.scores) >= min_hops
    for (bh, bt, bs), (th, tt, ts) in zip(board, run.scores, strict=True):
        assert (bh, bt) == (th, tt) and np.array_equal(bs, ts), (bh, bs, ts)
    dets = [(m.label_name, m.time_ms, m.score) for m in result.messages if m.name == "DETECTION"]
    assert dets == [(d.label, int(d.time_ms), int(d.score)) for d in run.detections] and dets
