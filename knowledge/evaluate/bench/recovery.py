"""How faithful the learner model's fit is: traits and item difficulties of a simulated cohort, and the
prerequisite edges of a simulated course on the Junyi graph, true against fitted.

See the package docstring for what each measurement does and reports.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import networkx as nx
import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from knowledge.evaluate.bench import simulation_call
from knowledge.evaluate.junyi import junyi_graph
from knowledge.learner.model import cohort_fit
from knowledge.learner.posterior import TRAIT_NAMES
from knowledge.learner.simulate import cohort_simulate

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


def recovery_measure(*, n_learners: int, steps: int) -> dict:
    """Pearson correlation between the simulated and the fitted (posterior median) traits and item difficulties."""
    simulation = cohort_simulate(n_learners=n_learners, **RECOVERY_COHORT)
    start = time.perf_counter()
    posterior = cohort_fit(simulation.cohort, steps=steps, seed=0)
    fit_seconds = time.perf_counter() - start
    pairs = {name: (simulation.traits[:, j], posterior.traits[:, j]) for j, name in enumerate(TRAIT_NAMES)}
    pairs["item_difficulty"] = (simulation.item_difficulty, posterior.item_difficulty)
    correlation = {name: _pearson(truth, fitted) for name, (truth, fitted) in pairs.items()}
    return {"simulation": simulation_call({"n_learners": n_learners, **RECOVERY_COHORT}),
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
    """Simulate the course on a Junyi subgraph with known traits and edge weights, fit, compare (package docstring)."""
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
            "simulation": (f"{simulation_call(design)}, edge weights ~ U{GRAPH_WEIGHT} on the "
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
