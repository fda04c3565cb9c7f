"""The command: parse the options, run the measurements asked for, write knowledge.json and knowledge.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import torch

from knowledge.evaluate import bench
from knowledge.evaluate.bench.recovery import graph_measure, recovery_measure
from knowledge.evaluate.bench.report import markdown_report
from knowledge.evaluate.bench.speed import REFIT_SCALES, online_measure, refit_measure
from knowledge.evaluate.datasets import data_dir_default
from knowledge.evaluate.junyi import JUNYI_DIR

MEASUREMENTS = ("online", "refit", "recovery", "graph")


def build_parser() -> argparse.ArgumentParser:
    data = data_dir_default()
    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluate.bench",
                                     description=bench.__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for knowledge.json and knowledge.md")
    parser.add_argument("--only", default=",".join(MEASUREMENTS),
                        help=f"comma-separated, from: {', '.join(MEASUREMENTS)} (default: all)")
    parser.add_argument("--refit-steps", type=int, default=300, help="SVI steps of the full-cohort fit")
    parser.add_argument("--refit-data", type=Path, default=data / "assist2017_akt",
                        help="the assist2017_akt folder (AKT format)")
    parser.add_argument("--refit-answers", default=",".join(str(n) for n in REFIT_SCALES).replace("None", "all"),
                        help="comma-separated answer counts of the refits measured; 'all': the whole data set")
    parser.add_argument("--refit-threads", type=int, help="torch intra-op threads for the refit (default: torch's)")
    parser.add_argument("--online-answers", type=int, default=10_000, help="timed filter steps per setting")
    parser.add_argument("--recovery-learners", type=int, default=300, help="learners in the simulated cohort")
    parser.add_argument("--recovery-steps", type=int, default=1000, help="SVI steps of the simulated cohort's fit")
    parser.add_argument("--graph-data", type=Path, default=data / JUNYI_DIR,
                        help="the junyi15_prereq_graph folder")
    parser.add_argument("--graph-learners", type=int, default=300, help="learners simulated on the Junyi subgraph")
    parser.add_argument("--graph-steps", type=int, default=1000, help="SVI steps of the graph recovery fit")
    return parser


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    arguments = parser.parse_args(argv)
    asked = {name.strip() for name in arguments.only.split(",") if name.strip()}
    unknown = sorted(asked - set(MEASUREMENTS))
    if unknown or not asked:
        parser.error(f"unknown measurement(s) {', '.join(unknown) or '(none given)'} in --only; "
                     f"choose from {', '.join(MEASUREMENTS)}")
    arguments.only = [name for name in MEASUREMENTS if name in asked]
    try:
        arguments.refit_answers = tuple(None if part.strip() == "all" else int(part)
                                        for part in arguments.refit_answers.split(",") if part.strip())
    except ValueError:
        parser.error(f"--refit-answers takes answer counts or 'all', not {arguments.refit_answers!r}")
    if not arguments.refit_answers or any(n is not None and n < 1 for n in arguments.refit_answers):
        parser.error("--refit-answers needs at least one count of 1 or more, or 'all'")
    for option, least in (("refit_steps", 1), ("refit_threads", 1), ("online_answers", 1), ("recovery_learners", 3),
                          ("recovery_steps", 1), ("graph_learners", 3), ("graph_steps", 1)):
        if getattr(arguments, option) is not None and getattr(arguments, option) < least:
            parser.error(f"--{option.replace('_', '-')} must be at least {least}")
    return arguments


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments = parse_arguments(parser, argv)
    document = {"machine": {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                            "torch_version": torch.__version__, "python": platform.python_version(),
                            "load_average_start": list(os.getloadavg())}}
    if "online" in arguments.only:
        document["online"] = online_measure(answers=arguments.online_answers)
    if "refit" in arguments.only:
        document["refit"] = refit_measure(folder=arguments.refit_data, steps=arguments.refit_steps,
                                          threads=arguments.refit_threads, scales=arguments.refit_answers)
        if "skipped" in document["refit"]:
            print(f"refit skipped: {document['refit']['skipped']}", file=sys.stderr)
    if "recovery" in arguments.only:
        document["recovery"] = recovery_measure(n_learners=arguments.recovery_learners,
                                                steps=arguments.recovery_steps)
    if "graph" in arguments.only:
        document["graph"] = graph_measure(folder=arguments.graph_data, n_learners=arguments.graph_learners,
                                          steps=arguments.graph_steps)
        if "skipped" in document["graph"]:
            print(f"graph skipped: {document['graph']['skipped']}", file=sys.stderr)
    document["machine"]["load_average_end"] = list(os.getloadavg())
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "knowledge.json").write_text(json.dumps(document, indent=2) + "\n")
    (arguments.out / "knowledge.md").write_text(markdown_report(document))
    print((arguments.out / "knowledge.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
