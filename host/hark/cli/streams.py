"""Writes the held-out test streams of a corpus (`hark corpus`): a long negative stream (non-keyword words,
phrases, babble, noise, silence) and keyword streams at stated SNRs, all from voices the training never heard.

    hark streams data/corpus data/streams --negative-minutes 60 --keyword-minutes 10 --snr 20 10
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hark.evaluate.streams import heldout_voices, keyword_stream, negative_stream


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--negative-minutes", type=float, default=60.0)
    ap.add_argument("--keyword-minutes", type=float, default=10.0)
    ap.add_argument("--snr", type=float, nargs="+", default=[20.0, 10.0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--words", help="comma-separated keywords of the keyword streams (default: the corpus')")
    ap.add_argument("--prefix", default="keywords", help="keyword stream file prefix (default keywords)")
    ap.add_argument("--no-negatives", action="store_true")


def run(args: argparse.Namespace) -> int:
    manifest_path = args.corpus / "corpus.json"
    if not manifest_path.is_file():
        print(f"{args.prog}: {manifest_path}: missing (synthesize the corpus first)", file=sys.stderr)
        return 1
    manifest = json.loads(manifest_path.read_text())
    held = [args.corpus / name for name in manifest["held_out"]]
    keywords = tuple(manifest["config"]["keywords"])
    kw_words = tuple(args.words.split(",")) if args.words else keywords
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    if not args.no_negatives:
        neg = negative_stream(args.out_dir / "negatives.wav", args.negative_minutes * 60, held,
                              heldout_voices(manifest), keywords=set(keywords), seed=args.seed)  # fmt: skip
        out["negatives"] = {"path": str(neg.path), "segments": neg.segments}
    for snr in args.snr:
        name = f"{args.prefix}_{snr:g}db"
        kw = keyword_stream(args.out_dir / f"{name}.wav", args.keyword_minutes * 60, held, keywords=kw_words,
                            snr_db=snr, seed=args.seed)  # fmt: skip
        out[name] = {"path": str(kw.path), "keywords": kw.words}
    print(json.dumps(out))
    return 0

