"""Writing an evaluation's results: results.json (the contract other tools read), results.md, calibration.png and,
for models with learner traits, traits.png."""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only; no display on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402

from knowledge.evaluate import metrics  # noqa: E402
from knowledge.evaluate.protocols import Evaluation  # noqa: E402

TABLE_COLUMNS = ("auc", "accuracy", "f1", "ece", "logloss", "fit_seconds")


def results_document(*, dataset: str, protocol: str, n_learners: int, n_interactions: int, has_time: bool,
                     seed: int, evaluations: dict[str, Evaluation]) -> dict:
    """The results.json content; undefined metrics (an AUC over one class) are null. With several models,
    ``versus`` holds the first model's paired differences to each other one (``paired_versus``)."""
    document = {"dataset": dataset, "protocol": protocol, "n_learners": n_learners,
                "n_interactions": n_interactions, "has_time": has_time, "seed": seed,
                "n_scored_interactions": {name: len(e.correct) for name, e in evaluations.items()},
                "models": {name: e.scores() for name, e in evaluations.items()}}
    if len(evaluations) > 1:
        document["versus"] = paired_versus(evaluations, seed=seed)
    return _nan_to_none(document)


def paired_versus(evaluations: dict[str, Evaluation], *, seed: int) -> dict:
    """The first model's AUC and accuracy minus each other model's on the same rows, with 95 % intervals over
    resampled test learners (``metrics.paired_difference``): whether a margin is larger than one split's noise."""
    (name, evaluation), *others = evaluations.items()  # every protocol scores each model on the same rows
    return {"model": name, "resamples": metrics.BOOTSTRAP_RESAMPLES,
            "others": {other_name: metrics.paired_difference(evaluation.correct, evaluation.p, other.p,
                                                             evaluation.learner, seed=seed)
                       for other_name, other in others}}


def write_results(out: Path, document: dict, evaluations: dict[str, Evaluation]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    traits = {name: e.traits for name, e in evaluations.items() if e.traits is not None}
    (out / "results.md").write_text(markdown_table(document, trait_models=tuple(traits)))
    plot_calibration(out / "calibration.png", evaluations, title=f"{document['dataset']} — {document['protocol']}")
    if traits:
        plot_traits(out / "traits.png", traits, time_unit="day" if document["has_time"] else "interaction")


def markdown_table(document: dict, *, trait_models: tuple[str, ...] = ()) -> str:
    lines = [f"# {document['dataset']} — {document['protocol']}", "",
             f"{document['n_learners']} learners, {document['n_interactions']} interactions, seed {document['seed']}.",
             ""]
    if not document["has_time"]:
        lines += ["Note: this data has no timestamps; time is the interaction index (one unit per attempt).", ""]
    columns = [*TABLE_COLUMNS, *(["update_seconds"] if document["protocol"] == "continual" else [])]
    header = [*columns, "equity gap"]
    lines += ["| model | " + " | ".join(header) + " |", "|---" * (len(header) + 1) + "|"]
    for name, scores in document["models"].items():
        cells = [_cell(scores[column]) for column in columns] + [_cell(scores["equity"]["gap"])]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Equity gap: best minus worst AUC over quintiles of learners ranked by success rate.", ""]
    if "versus" in document:
        versus = document["versus"]
        lines += [f"{versus['model']} minus each other model on the same rows, with the 95 % interval over "
                  f"{versus['resamples']} resamples of the test learners:", "",
                  "| versus | AUC difference | 95 % interval | accuracy difference | 95 % interval |",
                  "|---|---|---|---|---|"]
        for other, paired in versus["others"].items():
            cells = [_signed(paired.get("auc_difference")), _interval(paired.get("auc_interval_95")),
                     _signed(paired["accuracy_difference"]), _interval(paired["accuracy_interval_95"])]
            lines.append(f"| {other} | " + " | ".join(cells) + " |")
        lines.append("")
    if trait_models:
        lines += [f"traits.png: the traits of every learner {', '.join(trait_models)} fitted, two at a time, coloured "
                  "by the learner's success rate in the fitted answers.", ""]
    if document["protocol"] == "continual":
        lines += ["update_seconds: the time to take in 10 rounds of one new interaction per learner and predict the "
                  "next, cumulative, with the parameters of the fit.", ""]
    return "\n".join(lines)


def plot_calibration(path: Path, evaluations: dict[str, Evaluation], *, title: str) -> None:
    """Reliability diagram: observed success rate against mean prediction in each of the ECE's bins."""
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    for name, evaluation in evaluations.items():
        count, mean_p, rate = metrics.reliability_bins(evaluation.correct, evaluation.p)
        used = count > 0
        axes.plot(mean_p[used], rate[used], marker="o", label=name)
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(correct)", ylabel="observed success rate", title=title)
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_traits(path: Path, traits: dict[str, dict[str, np.ndarray]], *, time_unit: str) -> None:
    """Trait scatter: a row per model, a panel per pair of its traits, a dot per fitted learner coloured by their
    success rate (``TraitModel.learner_traits``); rates are per ``time_unit``."""
    rows = {name: [key for key in model_traits if key != "success_rate"] for name, model_traits in traits.items()}
    columns = max(len(list(combinations(keys, 2))) for keys in rows.values())
    figure, axes = plt.subplots(len(rows), columns, figsize=(4.5 * columns, 4.2 * len(rows)), squeeze=False,
                             layout="constrained")
    for row, (name, keys) in enumerate(rows.items()):
        for column, (x, y) in enumerate(combinations(keys, 2)):
            dots = axes[row, column].scatter(traits[name][x], traits[name][y], c=traits[name]["success_rate"], s=6,
                                             cmap="viridis", vmin=0, vmax=1)
            axes[row, column].set(xlabel=x, ylabel=y, title=f"{name}, {len(traits[name][x])} learners")
        figure.colorbar(dots, ax=axes[row, :].tolist(), label="success rate in the fitted answers")
    figure.suptitle(f"Fitted learner traits (time unit: one {time_unit})")
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def _interval(bounds: list[float] | None) -> str:
    return "n/a" if bounds is None else f"[{bounds[0]:+.4f}, {bounds[1]:+.4f}]"


def _nan_to_none(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    return value
