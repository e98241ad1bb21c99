#!/usr/bin/env python3
"""Coverage-guided fuzzing campaigns over the firmware's attack surface (issue 17), and runtime coverage.

Builds build/fuzz (clang, libFuzzer, ASan + UBSan, -DHARK_FUZZ=ON) and runs each harness of firmware/fuzz
on a working corpus seeded from firmware/fuzz/corpus/<harness>, one harness at a time, under `nice`.
Prints one JSON line per harness and a summary: executions, seconds, exec/s, edge coverage and features
(libFuzzer's `cov`/`ft`), corpus size and findings (crash, leak, timeout or out-of-memory artifacts,
which are kept under build/fuzz-findings/<harness>/ for replay).

    python tools/fuzz.py --seconds 15                    # the short run CI does (every harness)
    python tools/fuzz.py runtime meta --runs 10000000    # a long campaign for two harnesses
    python tools/fuzz.py --coverage                      # runtime line coverage of the corpus, per kernel

Copy a finding into firmware/fuzz/regress/<harness>/ once it is fixed: ctest replays that folder."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZ_SRC = ROOT / "firmware" / "fuzz"
HARNESSES = ("runtime", "runtime_dsp", "meta", "kws", "serial", "session")
# runtime_dsp is the runtime harness linked with the boards' DSP kernels: it grows from the runtime's seeds.
SEEDS = {"runtime_dsp": "runtime"}
STATUS = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+.*?exec/s: (\d+)")


def build(build_dir: Path, extra: list[str], targets: list[str]) -> None:
    env = {**os.environ, "CC": "clang"}
    # Configure every time (about a second when nothing changed): a build folder configured before a harness
    # was added has no rule for its target, and `cmake --build --target` regenerates too late to get one.
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=RelWithDebInfo", *extra],
                   check=True, env=env, stdout=subprocess.DEVNULL)  # fmt: skip
    subprocess.run(["nice", "-n", "10", "cmake", "--build", str(build_dir), "-j", "2", "--target", *targets],
                   check=True, env=env, stdout=subprocess.DEVNULL)  # fmt: skip


def run_harness(name: str, build_dir: Path, work: Path, seconds: int, runs: int, timeout: int) -> dict:
    binary = build_dir / "firmware" / "fuzz" / f"fuzz_{name}"
    corpus = work / "corpus" / name
    findings = work / "findings" / name
    corpus.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    before = set(findings.iterdir())
    cmd = ["nice", "-n", "10", str(binary), str(corpus), str(FUZZ_SRC / "corpus" / SEEDS.get(name, name)),
           f"-artifact_prefix={findings}/", f"-timeout={timeout}", "-rss_limit_mb=2048", "-print_final_stats=1",
           "-max_len=262144", f"-max_total_time={seconds}" if seconds else f"-runs={runs}"]  # fmt: skip
    if seconds and runs:
        cmd.append(f"-runs={runs}")
    t0 = time.monotonic()
    log_path = work / f"{name}.log"  # written as it runs: `tail -f` it during a long campaign
    with log_path.open("w") as log_file:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=log_file)
    elapsed = time.monotonic() - t0
    log = log_path.read_text(errors="replace")
    status = STATUS.findall(log)
    execs = re.search(r"stat::number_of_executed_units:\s+(\d+)", log)
    new = sorted(str(p.name) for p in set(findings.iterdir()) - before)
    sanitizer = bool(re.search(r"ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|libFuzzer)", log))
    last = status[-1] if status else ("0", "0", "0", "0", "0")
    return {
        "harness": name,
        "execs": int(execs.group(1)) if execs else int(last[0]),
        "seconds": round(elapsed, 1),
        "exec_per_s": round((int(execs.group(1)) if execs else int(last[0])) / max(elapsed, 1e-9)),
        "cov_edges": int(last[1]),
        "features": int(last[2]),
        "corpus": len(list(corpus.iterdir())),
        "findings": new,
        "sanitizer_report": sanitizer,
        "exit_code": proc.returncode,
    }


def coverage(work: Path) -> dict:
    """Line coverage of firmware/runtime by the working and seed corpora replayed through fuzz_runtime."""
    cov_dir = ROOT / "build" / "fuzz-cov"
    flags = "-fprofile-instr-generate -fcoverage-mapping"
    build(cov_dir, [f"-DCMAKE_C_FLAGS={flags}", f"-DCMAKE_EXE_LINKER_FLAGS={flags}"], ["fuzz_runtime_replay"])
    profraw = work / "runtime.profraw"
    env = {**os.environ, "LLVM_PROFILE_FILE": str(profraw)}
    inputs = [str(FUZZ_SRC / "corpus" / "runtime"), str(FUZZ_SRC / "regress" / "runtime")]
    if (work / "corpus" / "runtime").exists():
        inputs.append(str(work / "corpus" / "runtime"))
    binary = cov_dir / "firmware" / "fuzz" / "fuzz_runtime_replay"
    subprocess.run(["nice", "-n", "10", str(binary), *inputs], check=True, env=env, stdout=subprocess.DEVNULL)
    profdata = work / "runtime.profdata"
    subprocess.run(["llvm-profdata", "merge", "-sparse", str(profraw), "-o", str(profdata)], check=True)
    report = subprocess.run(["llvm-cov", "export", "-summary-only", str(binary), f"-instr-profile={profdata}"],
                            check=True, capture_output=True, text=True).stdout  # fmt: skip
    files = json.loads(report)["data"][0]["files"]
    # A header of declarations only has no lines: it is neither covered nor missed.
    runtime = [f for f in files if "/firmware/runtime/" in f["filename"] and "/tests/" not in f["filename"]
               and f["summary"]["lines"]["count"] > 0]  # fmt: skip
    covered = sum(f["summary"]["lines"]["covered"] for f in runtime)
    total = sum(f["summary"]["lines"]["count"] for f in runtime)
    kernels = {Path(f["filename"]).name: f["summary"]["lines"]["covered"] for f in runtime
               if "/kernels/" in f["filename"] and "/kernels/arm/" not in f["filename"]}  # fmt: skip
    per_file = {str(Path(f["filename"]).relative_to(ROOT)): round(f["summary"]["lines"]["percent"], 1) for f in runtime}
    return {
        "runtime_line_coverage_pct": round(100.0 * covered / max(total, 1), 2),
        "lines": [covered, total],
        "kernels_reached": sum(c > 0 for c in kernels.values()),
        "kernels_not_reached": sorted(k for k, c in kernels.items() if c == 0),
        "per_file_pct": per_file,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("harness", nargs="*", default=list(HARNESSES), help=f"of {', '.join(HARNESSES)}")
    ap.add_argument("--seconds", type=int, default=0, help="per harness (0: until --runs)")
    ap.add_argument("--runs", type=int, default=0, help="executions per harness")
    ap.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "fuzz-work", help="working corpora and findings")
    ap.add_argument("--fresh", action="store_true", help="start from the seed corpus only")
    ap.add_argument("--build-dir", type=Path, default=ROOT / "build" / "fuzz", help="the clang/libFuzzer build")
    ap.add_argument("--coverage", action="store_true", help="report runtime line coverage afterwards")
    args = ap.parse_args()
    if not shutil.which("clang"):
        print("tools/fuzz.py needs clang (tools/bootstrap.sh installs it)", file=sys.stderr)
        return 2
    unknown = [h for h in args.harness if h not in HARNESSES]
    if unknown:
        ap.error(f"unknown harness {unknown}")
    if args.fresh and args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    if args.seconds or args.runs:
        build(args.build_dir, ["-DHARK_SANITIZE=ON", "-DHARK_FUZZ=ON"], [f"fuzz_{h}" for h in args.harness])
        for h in args.harness:
            r = run_harness(h, args.build_dir, args.work, args.seconds, args.runs, args.timeout)
            print(json.dumps(r), flush=True)
            results.append(r)
    summary: dict = {"harnesses": len(results), "execs": sum(r["execs"] for r in results),
                     "findings": sum(len(r["findings"]) for r in results),
                     "sanitizer_reports": sum(r["sanitizer_report"] for r in results)}  # fmt: skip
    if args.coverage:
        summary["coverage"] = coverage(args.work)
    print(json.dumps({"summary": summary}), flush=True)
    clean = summary["findings"] == 0 and summary["sanitizer_reports"] == 0 and all(r["exit_code"] == 0 for r in results)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
