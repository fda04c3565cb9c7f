"""Train the remediation decision models, the move classifier and the reply critic, and store a new version.

    python -m llm.evaluate.train_decisions [--data DIR] [--out DIR] [--seed N] [--threads N]

Reads Bridge, MathDial and MRBench from DIR (default ``../shared/data`` beside the repository, or
``$CAIRN_DATA_DIR``), prints each head's validation scores and the version folder written under --out.
Exits 2 with a message when the data are missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from knowledge.evaluate.datasets import data_dir_default
from llm.evaluate.corpora import corpus_files_missing
from llm.evaluate.decision_training import decision_models_save, decision_models_train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm.evaluate.train_decisions", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=Path("var/decision-models"), help="where versions are stored")
    parser.add_argument("--seed", type=int, default=0, help="seed of the conversation splits and of training")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    args = parser.parse_args(argv)

    data_dir = args.data if args.data is not None else data_dir_default()
    missing = corpus_files_missing(data_dir=data_dir)
    if missing:
        shown = ", ".join(str(path) for path in missing[:3]) + (" ..." if len(missing) > 3 else "")
        print(f"error: {data_dir} does not hold the tutoring corpora (missing: {shown}); "
              "pass --data or set CAIRN_DATA_DIR", file=sys.stderr)
        return 2

    torch.set_num_threads(args.threads)
    started = time.monotonic()
    models = decision_models_train(data_dir=data_dir, seed=args.seed)
    folder = decision_models_save(models, root=args.out)

    print(f"{'head':34} {'config':>14} {'macro-F1':>9} {'accuracy':>9} {'n val':>6} {'n train':>8}")
    for name, head in models.heads.items():
        shape = f"hidden {head.config.hidden}" if head.config.hidden else "linear"
        scores = head.validation
        print(f"{name:34} {shape:>14} {scores['macro_f1']:9.3f} {scores['accuracy']:9.3f} "
              f"{scores['n']:6d} {scores['n_train']:8d}")
    print(f"trained in {time.monotonic() - started:.0f} s; wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
