"""How fast the learner model runs: one online ``filter_step`` per answer, and the refit of a whole real cohort.

See the package docstring for what each measurement does and reports.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from knowledge.evaluate.bench import simulation_call
from knowledge.evaluate.datasets import Interactions, concat, load
from knowledge.evaluate.psikt_adapter import interactions_cohort
from knowledge.learner.data import chains_build
from knowledge.learner.filter import filter_start, filter_step, item_difficulty_of
from knowledge.learner.model import cohort_fit
from knowledge.learner.posterior import Posterior
from knowledge.learner.simulate import cohort_simulate

ONLINE_COHORT = {"n_learners": 50, "n_items": 300, "n_concepts": 100, "answers_per_learner": 40, "seed": 0}
ONLINE_FIT_STEPS = 30
ONLINE_WARMUP = 200
ONLINE_TARGET_P99_MS = 2.0
# (name, torch intra-op threads or None for torch's default, run under torch.inference_mode)
ONLINE_SETTINGS = (("torch defaults", None, False), ("1 thread + inference_mode", 1, True))

REFIT_SCALES = (100_000, 1_000_000, None)  # answers of each refit measured; None: the whole data set
REFIT_EXTRAPOLATE_AFTER_STEPS = 20
REFIT_RUN_LIMIT_SECONDS = 600.0
REFIT_TARGET_SECONDS = 300.0


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
    return {"posterior": f"cohort_fit of {simulation_call(ONLINE_COHORT)} for {ONLINE_FIT_STEPS} SVI steps",
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


def refit_measure(*, folder: Path, steps: int, threads: int | None, scales: tuple[int | None, ...]) -> dict:
    """The refit at each scale of ``scales`` (answers; None: the whole data set), each in a process of its own so
    that its peak memory is its own (``refit_point``)."""
    if not folder.is_dir():
        return {"data": str(folder), "skipped": f"data folder {folder} is absent"}
    context = multiprocessing.get_context("spawn")  # a fresh process: no memory or threads carried over
    points = []
    for answers in scales:
        with context.Pool(1) as pool:
            points.append(pool.apply(refit_point, kwds={"folder": folder, "answers": answers, "steps": steps,
                                                        "threads": threads}))
    whole = [point for point in points if point["scale"] == "all"]
    return {"data": str(folder), "steps": steps, "points": points, "target_seconds": REFIT_TARGET_SECONDS,
            "meets_target": bool(whole) and all(point["fit_seconds"] <= REFIT_TARGET_SECONDS for point in whole)}


def refit_point(*, folder: Path, answers: int | None, steps: int, threads: int | None) -> dict:
    """Load, chain-building and SVI cost of fitting ``answers`` answers of the cohort in ``folder``
    (``cohort_scaled``), and this process's peak resident memory.

    Each step's wall time is taken from ``cohort_fit``'s ``on_step`` (the first one includes the fit's set-up).
    ``seconds_per_step`` is their median, which another process taking the CPUs for a while moves least; mean
    and slowest step are reported beside it. ``fit_seconds`` is the whole ``cohort_fit`` call. From step
    ``REFIT_EXTRAPOLATE_AFTER_STEPS`` on, a fit whose projected total (seconds so far plus the median step for
    every step left) passes ``REFIT_RUN_LIMIT_SECONDS`` is stopped, and ``fit_seconds`` is that projection
    (``extrapolated``). ``threads``: torch's intra-op threads for the fit (None: torch's default).
    """
    start = time.perf_counter()
    data = cohort_scaled(load(folder, "akt"), answers=answers, seed=0)
    load_seconds = time.perf_counter() - start
    # As the evaluation harness builds it, without its candidate edges: the app's refit weighs the course graph
    # and at most EDGE_CANDIDATES more (knowledge.beliefs.refit), not every pair of concepts.
    cohort = interactions_cohort(data)
    start = time.perf_counter()
    chains = chains_build(cohort.answers)
    chains_seconds = time.perf_counter() - start
    with torch_threads(threads):
        fit_threads = torch.get_num_threads()
        marks = [time.perf_counter()]
        try:
            cohort_fit(cohort, steps=steps, seed=0, progress=False,
                       on_step=lambda done, total: _fit_watch(marks, done, total))
            fit_seconds, extrapolated = time.perf_counter() - marks[0], False
        except _FitTooLong as projection:
            fit_seconds, extrapolated = projection.seconds, True
    step_seconds = np.diff(marks)
    return {"scale": "all" if answers is None else answers, "n_learners": data.n_learners,
            "n_interactions": len(data), "longest_chain": chains.longest(), "load_seconds": load_seconds,
            "chains_seconds": chains_seconds, "torch_threads": fit_threads,
            "seconds_per_step": float(np.median(step_seconds)), "seconds_per_step_mean": float(step_seconds.mean()),
            "slowest_step_seconds": float(step_seconds.max()), "fit_seconds": fit_seconds,
            "extrapolated": extrapolated, "steps_run": len(step_seconds),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # Linux: KiB


def cohort_scaled(data: Interactions, *, answers: int | None, seed: int) -> Interactions:
    """The cohort cut or grown to at least ``answers`` answers by whole learners (None: as it is): learners in a
    seeded random order until there are enough, and past the whole cohort, its learners again as new learners
    (same answers, a cohort of the same shape)."""
    if answers is None:
        return data
    order = np.random.default_rng(seed).permutation(data.n_learners)
    lengths = np.bincount(data.learner, minlength=data.n_learners)[order]
    copies = -(-answers // len(data))  # ceil: whole cohorts needed
    enough = int(np.searchsorted(np.cumsum(np.tile(lengths, copies)), answers)) + 1
    chosen = np.tile(order, copies)[:enough]
    grown = data.take_learners(chosen[:data.n_learners])
    for start in range(data.n_learners, enough, data.n_learners):
        grown = concat(grown, data.take_learners(chosen[start:start + data.n_learners]))
    return grown


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
