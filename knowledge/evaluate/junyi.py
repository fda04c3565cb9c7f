"""The Junyi Academy 2015 prerequisite graph (``junyi15_prereq_graph`` in the data folder) as a DAG.

``junyi_prerequisite_edges.csv`` holds 981 prerequisite -> exercise rows with each end's topic. Two rows are
self-loops (``is_self_loop``), cut here. Its one cycle of length > 1 is simplifying_radicals ->
adding_and_subtracting_radicals -> radical_multiplication_and_division -> simplifying_radicals: simplifying
radicals is the skill the other two build on and comes first in any radicals course, so the edge back into it
(``JUNYI_CYCLE_CUT``) is the one dropped. Read by the learner-model benchmark's graph recovery
(``knowledge.evaluate.bench``) and the tutor's planning evaluation (``llm.evaluate.planning``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx

JUNYI_DIR = "junyi15_prereq_graph"  # the graph's folder inside the data folder
JUNYI_EDGES_FILE = "junyi_prerequisite_edges.csv"
JUNYI_CYCLE_CUT = ("radical_multiplication_and_division", "simplifying_radicals")


def junyi_graph(folder: Path) -> nx.DiGraph:
    """The prerequisite graph of ``folder`` (a ``junyi15_prereq_graph`` folder), prerequisite -> exercise, with its
    self-loops cut and its 3-cycle broken at ``JUNYI_CYCLE_CUT``; node attribute ``topic``. Nodes and edges are in
    file order. Raises ValueError when cycles remain."""
    graph = nx.DiGraph()
    with (folder / JUNYI_EDGES_FILE).open(encoding="utf-8-sig", newline="") as rows:
        for row in csv.DictReader(rows):
            graph.add_node(row["prerequisite"], topic=row["prerequisite_topic"])
            graph.add_node(row["exercise"], topic=row["exercise_topic"])
            if row["is_self_loop"] != "1":
                graph.add_edge(row["prerequisite"], row["exercise"])
    graph.remove_edge(*JUNYI_CYCLE_CUT)
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError(f"{folder}: the graph has cycles beyond the documented one")
    return graph
