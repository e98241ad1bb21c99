"""`--distribute multiworker` with two real processes (issue 17): two MultiWorkerMirroredStrategy workers on
loopback, their cluster in TF_CONFIG, train the dry-run micro_speech spec through the project's step loop.
Both workers end with the same weights; a run killed mid-way (both workers, as a cluster restarts after a
lost worker) resumes from the chief's checkpoint and ends at the same step count. 214 s measured on a heavily
loaded 2-core machine, the shared dataset synthesis included."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).resolve().parent / "multiworker_worker.py"


def _free_ports(n: int) -> list[int]:
    """Ports free now, from below the kernel's ephemeral range: a port from bind(0) is closed again before the
    workers bind it, and in that gap any local bind(0) or outgoing connection could take it; ports below the range
    are only ever taken by an explicit bind."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = np.random.default_rng()
    ports: list[int] = []
    while len(ports) < n:
        port = int(rng.integers(10000, max(low, 10001)))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in ports:
            ports.append(port)
    return ports


def _start(run_dir: Path, data: Path, out: Path, steps: int) -> list[subprocess.Popen]:
    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs = []
    for i in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2",
               "TF_CONFIG": json.dumps(config)}  # fmt: skip
        procs.append(subprocess.Popen([sys.executable, str(WORKER), str(run_dir), str(data), str(out), str(steps)],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))  # fmt: skip
    return procs


def _finish(procs: list[subprocess.Popen], timeout: float) -> list[dict]:
    results = []
    for p in procs:
        try:
            stdout, stderr = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("a multi-worker run did not finish in time")
        assert p.returncode == 0, stderr[-3000:]
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


def _weights_agree(out: Path) -> None:
    a, b = np.load(out / "worker0.npz"), np.load(out / "worker1.npz")
    assert a.files == b.files and a.files
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k], err_msg=f"weight {k} differs between the workers")


def test_two_workers_agree_and_resume_after_a_kill(kws_dataset: Path, tmp_path: Path) -> None:
    steps = 120
    run_dir, out = tmp_path / "run", tmp_path / "out"
    out.mkdir()
    procs = _start(run_dir, kws_dataset, out, steps)
    state = run_dir / "checkpoints" / "checkpoint"
    deadline = time.monotonic() + 240
    try:
        while not state.exists():
            for p in procs:
                assert p.poll() is None, p.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.05)
    finally:
        procs[1].send_signal(signal.SIGKILL)  # a worker dies; the cluster is restarted, as a job scheduler does
        procs[0].send_signal(signal.SIGKILL)
        for p in procs:
            p.communicate(timeout=30)
    import tensorflow as tf

    killed_at = int(tf.train.latest_checkpoint(str(run_dir / "checkpoints")).rsplit("-", 1)[1])
    assert 0 < killed_at < steps, "the run finished before the kill; the test proves nothing"

    results = _finish(_start(run_dir, kws_dataset, out, steps), timeout=400)
    assert [r["replicas"] for r in results] == [2, 2]
    assert all(r["steps"] == steps for r in results)
    assert all(r["resumed_from"] >= killed_at > 0 for r in results)
    _weights_agree(out)
