"""`hark VERB [options]`: every user command of the project behind one console command.

`hark --help` lists the verbs without importing TensorFlow; `hark VERB --help` gives each verb's options. -v shows
TensorFlow's own logs and the converter's warnings, which are silenced otherwise.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
from collections.abc import Sequence

from hark import __version__, logs

# verb -> (module in hark.cli, one-line help). The module has `add_arguments(parser)` and `run(args) -> int`; it is
# imported only when its verb runs, so `hark --help` stays instant (most verbs import TensorFlow).
VERBS: dict[str, tuple[str, str]] = {
    "train": ("train", "train a model spec from models/; rerun to resume"),
    "export": ("export", "a trained run -> int8 .tflite with metadata, C array and report"),
    "evaluate": ("evaluate", "float model and exported .tflite side by side: accuracy, confusion, ROC"),
    "summarize": ("summarize", "params, MACs per call and per-layer shapes of a spec or run"),
    "profile": ("profile", "per-layer counts, MACs, RAM, flash and CPU load of a .tflite, on a board or the host"),
    "monitor": ("monitor", "live detections, scores and CPU load from a board"),
    "classify": ("classify", "detections in a WAV of any length, on the host twin or a board"),
    "synth": ("synth", "an offline TTS keyword dataset in the Speech Commands layout"),
    "stream-test": ("stream_test", "streaming accuracy of an exported model on a long WAV (twin and board)"),
    "stream-agreement": ("stream_agreement", "int8 streaming vs int8 window top-1 agreement per spec (JSON lines)"),
    "demo": ("demo", "the main job end to end on the emulated board"),
    "flash": ("flash", "write a firmware image to a real board"),
}


def _top_parser() -> argparse.ArgumentParser:
    width = max(len(v) for v in VERBS)
    listing = "\n".join(f"  {verb:<{width}}  {text}" for verb, (_, text) in VERBS.items())
    p = argparse.ArgumentParser(
        prog="hark", description=__doc__, epilog=f"verbs:\n{listing}\n\nhark VERB --help shows a verb's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show TensorFlow's logs and converter warnings")
    p.add_argument("--version", action="version", version=f"hark {__version__}")
    p.add_argument("verb", nargs="?", choices=list(VERBS), metavar="VERB", help="one of the verbs below")
    return p


def run_verb(verb: str, argv: Sequence[str], *, verbose: bool = False, prog: str | None = None) -> int:
    """Parses `argv` for `verb` and runs it; -v anywhere in `argv` counts (it must be known before the import)."""
    verbose = verbose or any(a in ("-v", "--verbose") for a in argv)
    logs.configure(verbose)
    with logs.native_stderr_filtered():  # TensorFlow's import-time banners
        module = importlib.import_module(f"hark.cli.{VERBS[verb][0]}")
    p = argparse.ArgumentParser(prog=prog or f"hark {verb}", description=module.__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true", help="show TensorFlow's logs and converter warnings")
    module.add_arguments(p)
    args = p.parse_args(list(argv))
    args.prog = p.prog  # for the verb's error messages
    return int(module.run(args))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    at = next((i for i, a in enumerate(argv) if not a.startswith("-")), len(argv))
    opts = top.parse_args(argv[: at + 1])
    if opts.verb is None:
        top.print_help(sys.stderr)
        return 2
    return run_verb(opts.verb, argv[at + 1 :], verbose=opts.verbose)


def _alias(verb: str) -> int:
    """The old console names (hark-train, ...): the same verb, kept for one release."""
    return run_verb(verb, sys.argv[1:], prog=f"hark-{verb}")


train_alias = functools.partial(_alias, "train")
export_alias = functools.partial(_alias, "export")
evaluate_alias = functools.partial(_alias, "evaluate")
summarize_alias = functools.partial(_alias, "summarize")
profile_alias = functools.partial(_alias, "profile")
monitor_alias = functools.partial(_alias, "monitor")
classify_alias = functools.partial(_alias, "classify")
demo_alias = functools.partial(_alias, "demo")

if __name__ == "__main__":
    sys.exit(main())
