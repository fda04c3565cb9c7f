"""``python -m knowledge.evaluate``: fit and score knowledge-tracing models on a data set, write the results.

    python -m knowledge.evaluate --data ../shared/data/assist2017_timestamped_subset --format flat \
        --protocol next-step --models bestlr,dkt,bkt --seed 0 --out /tmp/eval [--max-learners 40] \
        [--conditions no-time,sparse-items]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm.auto import tqdm

from knowledge.evaluate.conditions import CONDITIONS, conditions_apply
from knowledge.evaluate.datasets import FORMATS, load, split_learners, subsample_learners
from knowledge.evaluate.protocols import PROTOCOLS, evaluate
from knowledge.evaluate.registry import MODELS
from knowledge.evaluate.report import results_document, write_results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a data file, or a folder of the format's files")
    parser.add_argument("--format", choices=FORMATS, required=True)
    parser.add_argument("--protocol", choices=PROTOCOLS, required=True)
    parser.add_argument("--models", required=True, help=f"comma-separated, from: {', '.join(MODELS)}")
    parser.add_argument("--seed", type=int, required=True, help="learner split, subsampling and model seeds")
    parser.add_argument("--out", type=Path, required=True, help="folder for results.json, results.md, calibration.png")
    parser.add_argument("--max-learners", type=int, help="evaluate a seeded random subset of this many learners")
    parser.add_argument("--conditions", default="",
                        help=f"comma-separated, applied in order: {', '.join(CONDITIONS)} "
                             "(see knowledge.evaluate.conditions)")
    return parser


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    arguments = parser.parse_args(argv)
    arguments.models = [name.strip() for name in arguments.models.split(",") if name.strip()]
    unknown = [name for name in arguments.models if name not in MODELS]
    if unknown or not arguments.models:
        parser.error(f"unknown model(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(MODELS)}")
    arguments.conditions = [name.strip() for name in arguments.conditions.split(",") if name.strip()]
    unknown = [name for name in arguments.conditions if name not in CONDITIONS]
    if unknown:
        parser.error(f"unknown condition(s) {', '.join(unknown)}; choose from {', '.join(CONDITIONS)}")
    if not arguments.data.exists():
        parser.error(f"--data {arguments.data} does not exist")
    if arguments.max_learners is not None and arguments.max_learners < 1:
        parser.error("--max-learners must be at least 1")
    return arguments


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments = parse_arguments(parser, argv)
    try:
        data = load(arguments.data, arguments.format)
    except (OSError, ValueError) as error:  # no files of the format there, or a file not in it
        parser.error(f"cannot read --data {arguments.data} as {arguments.format}: {error}")
    if arguments.max_learners is not None:
        data = subsample_learners(data, arguments.max_learners, seed=arguments.seed)
    data = conditions_apply(data, arguments.conditions, seed=arguments.seed)
    train, valid, test = split_learners(data, seed=arguments.seed)
    evaluations = {}
    for name in tqdm(arguments.models, desc="models"):
        evaluations[name] = evaluate(MODELS[name](seed=arguments.seed), arguments.protocol, train, valid, test)
    document = results_document(dataset=data.name, protocol=arguments.protocol, n_learners=data.n_learners,
                                n_interactions=len(data), has_time=data.has_time, seed=arguments.seed,
                                evaluations=evaluations)
    write_results(arguments.out, document, evaluations)
    print((arguments.out / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
