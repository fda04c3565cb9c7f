r"""``python -m knowledge.evaluate.bench``: how fast and how faithful the PSI-KT learner model is, written to a folder.

    python -m knowledge.evaluate.bench --out DIR [--only online,refit,recovery,graph] [--refit-steps N]

Writes ``DIR/knowledge.json`` and ``DIR/knowledge.md``. Four measurements:

- ``online``: latency of one ``filter_step`` for a single learner (what the web app runs after every answer).
  The posterior comes from a short fit (``ONLINE_FIT_STEPS`` SVI steps) of a small simulated cohort with
  100 concepts (``ONLINE_COHORT``): its values barely matter to the cost, its shapes do. One learner then
  answers ``--online-answers`` random items in succession, time gaps log-uniform from minutes to weeks (as in
  ``cohort_simulate``), right as often as in the simulated cohort. Each call is timed with
  ``time.perf_counter`` after ``ONLINE_WARMUP`` untimed calls on a throwaway state; inputs are built before the
  clock starts. Reported per torch setting (see ``ONLINE_SETTINGS``): p50, p90, p99, max in milliseconds.
- ``refit``: ``cohort_fit`` of the whole ``assist2017_akt`` data set, converted as the evaluation harness's
  ``PsiKT.fit`` does (without candidate edges): load seconds, chain-building seconds, seconds per SVI step, total
  fit seconds for ``--refit-steps`` and the process's peak resident memory (``ru_maxrss``: the whole run's peak so
  far). A fit projected (after at least ``REFIT_EXTRAPOLATE_AFTER_STEPS`` steps) to run past
  ``REFIT_RUN_LIMIT_SECONDS`` is stopped and its total extrapolated from the steps it ran (``extrapolated: true``).
  Skipped, with the reason in ``skipped``, when the data folder is absent.
- ``recovery``: a cohort simulated from the generative model is fitted; Pearson correlations between true and
  fitted learner traits (log_alpha, mu, log_sigma) and item difficulties. The learners follow a course
  (``RECOVERY_COHORT``) in the design ``COURSE_LEARNERS``: spaced sessions, and gains that partly fade, so that
  forgetting shows in the answers (see ``ALPHA_NOTE``).
- ``graph``: graph recovery on the Junyi prerequisite graph (``junyi15_prereq_graph`` in the data folder,
  ``$CAIRN_DATA_DIR`` or ``../shared/data``), read by ``knowledge.evaluate.junyi.junyi_graph``: its 2 self-loops
  are cut and its 3-cycle broken by dropping ``radical_multiplication_and_division -> simplifying_radicals``
  (simplifying radicals is the skill the other two build on); the arithmetic topic ``GRAPH_TOPIC`` (its largest
  connected part) is the course, concepts in a topological order. Every curated edge gets a true weight
  ~ U(``GRAPH_WEIGHT``), and as many candidate non-edges j -> k (j earlier in the course, so learners practise
  j before k) get weight 0. Learners follow the course in the same design as in ``recovery``
  (``COURSE_LEARNERS``, ``GRAPH_ITEMS_PER_CONCEPT``); the fit sees curated edges and candidates alike, under
  the same prior. Reported: Pearson r of log_alpha, mu, log_sigma
  and the log stationary variance of d; edge AUROC (true edges against the non-edges, scored by the fitted
  weight w, sklearn's roc_auc_score); the mean transfer gamma w_{jk} on the curated edges and on the non-edges,
  true and fitted (gamma and the weights trade scale, so only their product is compared).

knowledge.json keys: ``machine`` (cpu_count, torch_threads, torch_version, python, load_average_start,
load_average_end), ``online`` (posterior, n_concepts, answers, warmup, target_p99_ms, settings: a list of {name,
torch_threads, inference_mode, p50_ms, p90_ms, p99_ms, max_ms, meets_target}), ``refit`` (data, n_learners,
n_interactions, load_seconds, chains_seconds, chain_ranks, steps, torch_threads, seconds_per_step,
seconds_per_step_mean, slowest_step_seconds, fit_seconds, extrapolated, steps_run, peak_rss_mib, target_seconds,
meets_target; or only data and skipped), ``recovery`` (simulation, fit_steps, fit_seconds, correlation:
{log_alpha, mu, log_sigma, item_difficulty}, targets, meets_target, edges, edges_note, alpha_note) and ``graph``
(graph, n_concepts, n_edges, n_non_edges, simulation, n_answers, fit_steps, simulate_seconds, fit_seconds,
correlation: {log_alpha, mu, log_sigma, log_stationary_variance}, edge_auroc, transfer: {edges_true, edges_fitted,
non_edges_true, non_edges_fitted}, targets, meets_target; or only graph and skipped).
A section that was not asked for is absent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from tqdm.auto import tqdm

from knowledge.evaluate.datasets import data_dir_default, load
from knowledge.evaluate.junyi import JUNYI_DIR, junyi_graph
from knowledge.evaluate.psikt_adapter import interactions_cohort
from knowledge.learner.data import chains_build
from knowledge.learner.filter import filter_start, filter_step, item_difficulty_of
from knowledge.learner.model import cohort_fit
from knowledge.learner.posterior import TRAIT_NAMES, Posterior
from knowledge.learner.simulate import cohort_simulate

MEASUREMENTS = ("online", "refit", "recovery", "graph")

ONLINE_COHORT = {"n_learners": 50, "n_items": 300, "n_concepts": 100, "answers_per_learner": 40, "seed": 0}
ONLINE_FIT_STEPS = 30
ONLINE_WARMUP = 200
ONLINE_TARGET_P99_MS = 2.0
# (name, torch intra-op threads or None for torch's default, run under torch.inference_mode)
ONLINE_SETTINGS = (("torch defaults", None, False), ("1 thread + inference_mode", 1, True))

REFIT_EXTRAPOLATE_AFTER_STEPS = 20
REFIT_RUN_LIMIT_SECONDS = 600.0
REFIT_TARGET_SECONDS = 300.0

# How the simulated learners of the recovery and graph sections go through their course (``cohort_simulate``):
# answers in spaced sessions, and part of each answer's gain fades (see ``ALPHA_NOTE``).
COURSE_LEARNERS = {"answers_per_learner": 480, "sessions": 48, "fading_right": 0.8, "fading_wrong": 0.2, "seed": 0}
RECOVERY_COHORT = {"n_items": 72, "n_concepts": 24, **COURSE_LEARNERS}
RECOVERY_TARGETS = {"log_alpha": 0.8, "mu": 0.8}
EDGES_NOTE = ("This cohort has no graph; prerequisite-edge recovery (AUROC) is the graph section's "
              "(--only graph).")

GRAPH_TOPIC = "addition-subtraction"
GRAPH_WEIGHT = (0.5, 1.5)
GRAPH_GAMMA = 1.0
GRAPH_ITEMS_PER_CONCEPT = 3
GRAPH_TARGETS = {"log_alpha": 0.8, "mu": 0.8, "edge_auroc": 0.85}
ALPHA_NOTE = (f"Part of each answer's gain fades (delta^+ = {COURSE_LEARNERS['fading_right']}, "
              f"delta^- = {COURSE_LEARNERS['fading_wrong']} in d), so forgetting shows in the "
              "answers as the fall of each learner's success between sessions, at the learner's own rate alpha. "
              "Where every gain lasts (delta = 0), alpha only pulls the deviation d back towards the practice-built "
              "mean, and the answers show it mainly through d's stationary variance sigma^2 / (2 alpha), shared with "
              "sigma: changing alpha by a factor e at a fixed stationary variance then moves a learner's "
              "log-likelihood by under 1.5 nats at 240 answers (profile likelihood with the true parameters, 20 "
              "simulated learners).")


def build_parser() -> argparse.ArgumentParser:
    data = data_dir_default()
    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluate.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for knowledge.json and knowledge.md")
    parser.add_argument("--only", default=",".join(MEASUREMENTS),
                        help=f"comma-separated, from: {', '.join(MEASUREMENTS)} (default: all)")
    parser.add_argument("--refit-steps", type=int, default=300, help="SVI steps of the full-cohort fit")
    parser.add_argument("--refit-data", type=Path, default=data / "assist2017_akt",
                        help="the assist2017_akt folder (AKT format)")
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
    for option, least in (("refit_steps", 1), ("refit_threads", 1), ("online_answers", 1), ("recovery_learners", 3),
                          ("recovery_steps", 1), ("graph_learners", 3), ("graph_steps", 1)):
        if getattr(arguments, option) is not None and getattr(arguments, option) < least:
            parser.error(f"--{option.replace('_', '-')} must be at least {least}")
    return arguments


def online_measure(*, answers: int) -> dict:
    """Per-call latency of ``filter_step`` for one learner on a 100-concept posterior, under each torch setting."""
    simulation = cohort_simulate(**ONLINE_COHORT)
    posterior = cohort_fit(simulation.cohort, steps=ONLINE_FIT_STEPS, seed=0, progress=False)
    cohort = simulation.cohort
    generator = torch.Generator().manual_seed(1)
    n = ONLINE_WARMUP + answers
    item = torch.randint(cohort.n_items, (n,), generator=generator)
    concept = cohort.item_concept[item]
    difficulty = item_difficulty_of(posterior, item, concept)
    gaps = torch.empty(n).uniform_(math.log(1e-3), math.log(20.0), generator=generator).exp()  # days
    when = torch.cumsum(gaps, 0)
    correct = (torch.rand(n, generator=generator) < cohort.answers.correct.mean()).float()
    calls = [{"who": torch.zeros(1, dtype=torch.long), "concept": concept[j:j + 1], "difficulty": difficulty[j:j + 1],
              "time": when[j:j + 1], "correct": correct[j:j + 1], "observe": torch.ones(1, dtype=torch.bool)}
             for j in range(n)]
    settings = []
    for name, threads, inference in ONLINE_SETTINGS:
        latencies = _filter_step_latencies(posterior, calls, threads=threads, inference=inference, label=name)
        p50, p90, p99 = np.percentile(latencies, [50, 90, 99])
        settings.append({"name": name, "torch_threads": threads or torch.get_num_threads(),
                         "inference_mode": inference, "p50_ms": float(p50), "p90_ms": float(p90),
                         "p99_ms": float(p99), "max_ms": float(latencies.max()),
                         "meets_target": bool(p99 <= ONLINE_TARGET_P99_MS)})
    return {"posterior": (f"cohort_fit of cohort_simulate({_call_arguments(ONLINE_COHORT)}) for "
                          f"{ONLINE_FIT_STEPS} SVI steps"),
            "n_concepts": ONLINE_COHORT["n_concepts"], "answers": answers, "warmup": ONLINE_WARMUP,
            "target_p99_ms": ONLINE_TARGET_P99_MS, "settings": settings}


def _filter_step_latencies(posterior: Posterior, calls: list[dict], *, threads: int | None, inference: bool,
                           label: str) -> np.ndarray:
    """Milliseconds of each call after the warm-up; the first ``ONLINE_WARMUP`` calls go to a throwaway state."""
    with torch_threads(threads), torch.inference_mode() if inference else contextlib.nullcontext():
        warm = filter_start(posterior, n_learners=1)
        for call in calls[:ONLINE_WARMUP]:
            filter_step(posterior, warm, **call)
        state = filter_start(posterior, n_learners=1)
        latencies = []
        for call in tqdm(calls[ONLINE_WARMUP:], desc=f"online: {label}", mininterval=1.0):
            start = time.perf_counter()
            filter_step(posterior, state, **call)
            latencies.append(time.perf_counter() - start)
    return 1000.0 * np.array(latencies)


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Torch's intra-op thread count set to ``threads`` (None: left as it is), restored on the way out."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def refit_measure(*, folder: Path, steps: int, threads: int | None) -> dict:
    """Load, chain-building and SVI cost of fitting the whole cohort in ``folder``, and the peak memory.

    Each step's wall time is taken from ``cohort_fit``'s ``on_step`` (the first one includes the fit's set-up).
    ``seconds_per_step`` is their median, which another process taking the CPUs for a while moves least; mean
    and slowest step are reported beside it. ``fit_seconds`` is the whole ``cohort_fit`` call. From step
    ``REFIT_EXTRAPOLATE_AFTER_STEPS`` on, a fit whose projected total (seconds so far plus the median step for
    every step left) passes ``REFIT_RUN_LIMIT_SECONDS`` is stopped, and ``fit_seconds`` is that projection
    (``extrapolated``). ``threads``: torch's intra-op threads for the fit (None: torch's default).
    """
    if not folder.is_dir():
        return {"data": str(folder), "skipped": f"data folder {folder} is absent"}
    start = time.perf_counter()
    data = load(folder, "akt")
    load_seconds = time.perf_counter() - start
    # As the evaluation harness builds it, without its candidate edges: the app's refit weighs the course graph
    # and at most EDGE_CANDIDATES more (knowledge.services), not every pair of concepts.
    cohort = interactions_cohort(data)
    start = time.perf_counter()
    chains = chains_build(cohort.answers)
    chains_seconds = time.perf_counter() - start
    with torch_threads(threads):
        fit_threads = torch.get_num_threads()
        marks = [time.perf_counter()]
        try:
            cohort_fit(cohort, steps=steps, seed=0, on_step=lambda done, total: _fit_watch(marks, done, total))
            fit_seconds, extrapolated = time.perf_counter() - marks[0], False
        except _FitTooLong as projection:
            fit_seconds, extrapolated = projection.seconds, True
    step_seconds = np.diff(marks)
    return {"data": str(folder), "n_learners": data.n_learners, "n_interactions": len(data),
            "load_seconds": load_seconds, "chains_seconds": chains_seconds, "chain_ranks": len(chains.ranks),
            "steps": steps, "torch_threads": fit_threads, "seconds_per_step": float(np.median(step_seconds)),
            "seconds_per_step_mean": float(step_seconds.mean()), "slowest_step_seconds": float(step_seconds.max()),
            "fit_seconds": fit_seconds, "extrapolated": extrapolated, "steps_run": len(step_seconds),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
            "target_seconds": REFIT_TARGET_SECONDS, "meets_target": fit_seconds <= REFIT_TARGET_SECONDS}


class _FitTooLong(Exception):
    """Stops a fit that would run past ``REFIT_RUN_LIMIT_SECONDS``; carries the projected total seconds."""

    def __init__(self, seconds: float):
        super().__init__(f"projected {seconds:.0f} s")
        self.seconds = seconds


def _fit_watch(marks: list[float], done: int, total: int) -> None:
    """Record the end of step ``done``; after ``REFIT_EXTRAPOLATE_AFTER_STEPS`` steps, stop a fit projected too long."""
    marks.append(time.perf_counter())
    if done >= REFIT_EXTRAPOLATE_AFTER_STEPS and done < total:
        projected = marks[-1] - marks[0] + float(np.median(np.diff(marks))) * (total - done)
        if projected > REFIT_RUN_LIMIT_SECONDS:
            raise _FitTooLong(projected)


def recovery_measure(*, n_learners: int, steps: int) -> dict:
    """Pearson correlation between the simulated and the fitted (posterior median) traits and item difficulties."""
    simulation = cohort_simulate(n_learners=n_learners, **RECOVERY_COHORT)
    start = time.perf_counter()
    posterior = cohort_fit(simulation.cohort, steps=steps, seed=0)
    fit_seconds = time.perf_counter() - start
    pairs = {name: (simulation.traits[:, j], posterior.traits[:, j]) for j, name in enumerate(TRAIT_NAMES)}
    pairs["item_difficulty"] = (simulation.item_difficulty, posterior.item_difficulty)
    correlation = {name: _pearson(truth, fitted) for name, (truth, fitted) in pairs.items()}
    return {"simulation": f"cohort_simulate({_call_arguments({'n_learners': n_learners, **RECOVERY_COHORT})})",
            "fit_steps": steps, "fit_seconds": fit_seconds, "correlation": correlation,
            "targets": RECOVERY_TARGETS,
            "meets_target": {name: correlation[name] is not None and correlation[name] >= target
                             for name, target in RECOVERY_TARGETS.items()},
            "edges": None, "edges_note": EDGES_NOTE, "alpha_note": ALPHA_NOTE}


def course_subgraph(graph: nx.DiGraph, *, topic: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The largest connected part of one topic: concept names in a topological order and the edges as indices."""
    topic_graph = graph.subgraph(node for node, data in graph.nodes(data=True) if data["topic"] == topic)
    part = topic_graph.subgraph(max(nx.weakly_connected_components(topic_graph), key=len))
    names = list(nx.lexicographical_topological_sort(part))
    index = {name: k for k, name in enumerate(names)}
    return names, sorted((index[j], index[k]) for j, k in part.edges)


def graph_measure(*, folder: Path, n_learners: int, steps: int) -> dict:
    """Simulate the course on a Junyi subgraph with known traits and edge weights, fit, compare (module docstring)."""
    if not folder.is_dir():
        return {"graph": str(folder), "skipped": f"data folder {folder} is absent"}
    names, curated = course_subgraph(junyi_graph(folder), topic=GRAPH_TOPIC)
    generator = torch.Generator().manual_seed(COURSE_LEARNERS["seed"])
    linked = set(curated)
    open_pairs = [(j, k) for k in range(len(names)) for j in range(k) if (j, k) not in linked]
    picked = torch.randperm(len(open_pairs), generator=generator)[:len(curated)]
    non_edges = [open_pairs[i] for i in sorted(picked.tolist())]
    edges = torch.tensor(curated + non_edges)
    low, high = GRAPH_WEIGHT
    truth = torch.cat([torch.empty(len(curated)).uniform_(low, high, generator=generator), torch.zeros(len(non_edges))])
    design = {"n_learners": n_learners, "n_items": GRAPH_ITEMS_PER_CONCEPT * len(names), "n_concepts": len(names),
              **COURSE_LEARNERS, "gamma": GRAPH_GAMMA}
    start = time.perf_counter()
    simulation = cohort_simulate(**design, edges=edges, edge_weight=truth)
    simulate_seconds = time.perf_counter() - start
    start = time.perf_counter()
    posterior = cohort_fit(simulation.cohort, steps=steps, seed=0)
    fit_seconds = time.perf_counter() - start
    correlation = {name: _pearson(simulation.traits[:, j], posterior.traits[:, j])
                   for j, name in enumerate(TRAIT_NAMES)}
    correlation["log_stationary_variance"] = _pearson(*(2 * traits[:, 2] - traits[:, 0]  # log(s^2) + log 2
                                                        for traits in (simulation.traits, posterior.traits)))
    curated_edge = truth > 0  # (E,)
    edge_auroc = float(roc_auc_score(curated_edge.numpy(), posterior.edge_weight.numpy()))
    true_transfer, fitted_transfer = GRAPH_GAMMA * truth, posterior.gamma * posterior.edge_weight  # (E,)
    transfer = {"edges_true": float(true_transfer[curated_edge].mean()),
                "edges_fitted": float(fitted_transfer[curated_edge].mean()),
                "non_edges_true": float(true_transfer[~curated_edge].mean()),
                "non_edges_fitted": float(fitted_transfer[~curated_edge].mean())}
    achieved = {**correlation, "edge_auroc": edge_auroc}
    return {"graph": f"{folder.name}: topic {GRAPH_TOPIC}, largest connected part",
            "n_concepts": len(names), "n_edges": len(curated), "n_non_edges": len(non_edges),
            "simulation": (f"cohort_simulate({_call_arguments(design)}), edge weights ~ U{GRAPH_WEIGHT} on the "
                           f"curated edges, 0 on the non-edges"),
            "n_answers": len(simulation.cohort.answers.correct), "fit_steps": steps,
            "simulate_seconds": simulate_seconds, "fit_seconds": fit_seconds, "correlation": correlation,
            "edge_auroc": edge_auroc, "transfer": transfer,
            "targets": GRAPH_TARGETS,
            "meets_target": {name: achieved[name] is not None and achieved[name] >= target
                             for name, target in GRAPH_TARGETS.items()}}


def _pearson(truth: torch.Tensor, fitted: torch.Tensor) -> float | None:
    """Pearson r; None where it is undefined (a constant side)."""
    r = float(np.corrcoef(truth.numpy(), fitted.numpy())[0, 1])
    return r if math.isfinite(r) else None


def _call_arguments(arguments: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in arguments.items())


def markdown_report(document: dict) -> str:
    machine = document["machine"]
    lines = ["# Knowledge benchmarks (PSI-KT learner model)", "",
             f"Machine: {machine['cpu_count']} CPUs, torch {machine['torch_version']} with "
             f"{machine['torch_threads']} intra-op threads by default; load average (1, 5, 15 min) "
             f"{_load(machine['load_average_start'])} at the start, {_load(machine['load_average_end'])} at the end.",
             ""]
    if "online" in document:
        online = document["online"]
        lines += ["## Online: one `filter_step`, one learner", "",
                  f"{online['answers']} successive answers after {online['warmup']} warm-up calls, "
                  f"{online['n_concepts']} concepts; posterior from {online['posterior']}.", "",
                  f"| settings | p50 ms | p90 ms | p99 ms | max ms | p99 <= {online['target_p99_ms']} ms |",
                  "|---|---|---|---|---|---|"]
        for row in online["settings"]:
            lines.append(f"| {row['name']} ({row['torch_threads']} thread(s)) | {row['p50_ms']:.3f} | "
                         f"{row['p90_ms']:.3f} | {row['p99_ms']:.3f} | {row['max_ms']:.3f} | "
                         f"{_yes(row['meets_target'])} |")
        lines.append("")
    if "refit" in document:
        refit = document["refit"]
        lines += ["## Refit: the whole cohort", ""]
        if "skipped" in refit:
            lines += [f"Skipped: {refit['skipped']}.", ""]
        else:
            how = (f"extrapolated from the first {refit['steps_run']} steps" if refit["extrapolated"]
                   else "measured")
            lines += [f"{refit['data']}: {refit['n_learners']} learners, {refit['n_interactions']} interactions, "
                      f"{refit['chain_ranks']} chain ranks.", "",
                      "| measurement | value |", "|---|---|",
                      f"| load | {refit['load_seconds']:.1f} s |",
                      f"| chain building | {refit['chains_seconds']:.1f} s |",
                      f"| per SVI step (median; mean, slowest) | {refit['seconds_per_step']:.2f} s "
                      f"({refit['seconds_per_step_mean']:.2f} s, {refit['slowest_step_seconds']:.2f} s) |",
                      f"| fit, {refit['steps']} steps, {refit['torch_threads']} torch thread(s) ({how}) | "
                      f"{refit['fit_seconds']:.0f} s |",
                      f"| fit <= {refit['target_seconds']:.0f} s | {_yes(refit['meets_target'])} |",
                      f"| peak resident memory (process) | {refit['peak_rss_mib']:.0f} MiB |", ""]
    if "recovery" in document:
        recovery = document["recovery"]
        lines += ["## Recovery: simulated cohort, true against fitted", "",
                  f"{recovery['simulation']}, fitted for {recovery['fit_steps']} SVI steps "
                  f"({recovery['fit_seconds']:.0f} s).", "",
                  "| quantity | Pearson r | target | met |", "|---|---|---|---|"]
        for name, r in recovery["correlation"].items():
            target = recovery["targets"].get(name)
            met = _yes(recovery["meets_target"][name]) if target is not None else ""
            lines.append(f"| {name} | {_number(r)} | {'' if target is None else f'>= {target}'} | {met} |")
        lines += ["| edges (AUROC) | n/a | | |", "", recovery["edges_note"], "", recovery["alpha_note"], ""]
    if "graph" in document:
        graph = document["graph"]
        lines += ["## Graph recovery: a Junyi subgraph, simulated and fitted", ""]
        if "skipped" in graph:
            lines += [f"Skipped: {graph['skipped']}.", ""]
        else:
            lines += [f"{graph['graph']}: {graph['n_concepts']} concepts, {graph['n_edges']} curated edges (true "
                      f"transfer) and {graph['n_non_edges']} candidate non-edges (none). {graph['simulation']}: "
                      f"{graph['n_answers']} answers; fitted for {graph['fit_steps']} SVI steps "
                      f"({graph['fit_seconds']:.0f} s; simulation {graph['simulate_seconds']:.0f} s).", "",
                      "| quantity | value | target | met |", "|---|---|---|---|"]
            for name, r in [*graph["correlation"].items(), ("edge_auroc", graph["edge_auroc"])]:
                target = graph["targets"].get(name)
                met = _yes(graph["meets_target"][name]) if target is not None else ""
                label = "edges (AUROC)" if name == "edge_auroc" else f"{name} (Pearson r)"
                lines.append(f"| {label} | {_number(r)} | {'' if target is None else f'>= {target}'} | {met} |")
            transfer = graph["transfer"]
            lines += [f"| mean transfer gamma w, curated edges (true {transfer['edges_true']:.3f}) | "
                      f"{transfer['edges_fitted']:.3f} | | |",
                      f"| mean transfer gamma w, non-edges (true {transfer['non_edges_true']:.3f}) | "
                      f"{transfer['non_edges_fitted']:.3f} | | |", ""]
    return "\n".join(lines)


def _load(average: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in average)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


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
                                          threads=arguments.refit_threads)
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
