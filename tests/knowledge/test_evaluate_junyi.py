"""The Junyi prerequisite graph, read once for the learner-model benchmark and the tutor's planning evaluation."""

from __future__ import annotations

import networkx as nx
import pytest

from knowledge.evaluate.datasets import data_dir_default
from knowledge.evaluate.junyi import JUNYI_CYCLE_CUT, JUNYI_DIR, junyi_graph


def test_a_small_graph_loses_its_self_loops_and_the_documented_cycle_edge(tmp_path):
    (tmp_path / "junyi_prerequisite_edges.csv").write_text(
        "\ufeffprerequisite,exercise,prerequisite_topic,exercise_topic,prerequisite_area,exercise_area,is_self_loop\n"
        "simplifying_radicals,adding_and_subtracting_radicals,radicals,radicals,algebra,algebra,0\n"
        "adding_and_subtracting_radicals,radical_multiplication_and_division,radicals,radicals,algebra,algebra,0\n"
        "radical_multiplication_and_division,simplifying_radicals,radicals,radicals,algebra,algebra,0\n"
        "counting,counting,counting,counting,arithmetic,arithmetic,1\n"
        "counting,addition_1,counting,addition-subtraction,arithmetic,arithmetic,0\n",
        encoding="utf-8")

    graph = junyi_graph(tmp_path)

    assert nx.is_directed_acyclic_graph(graph)
    assert not graph.has_edge(*JUNYI_CYCLE_CUT) and not graph.has_edge("counting", "counting")
    assert graph.number_of_edges() == 3 and graph.nodes["addition_1"]["topic"] == "addition-subtraction"
    assert list(graph.nodes)[:2] == ["simplifying_radicals", "adding_and_subtracting_radicals"]  # file order


def test_a_cycle_beyond_the_documented_one_is_refused(tmp_path):
    (tmp_path / "junyi_prerequisite_edges.csv").write_text(
        "prerequisite,exercise,prerequisite_topic,exercise_topic,prerequisite_area,exercise_area,is_self_loop\n"
        "radical_multiplication_and_division,simplifying_radicals,r,r,a,a,0\n"
        "a,b,t,t,x,x,0\n"
        "b,a,t,t,x,x,0\n")

    with pytest.raises(ValueError, match="cycles beyond the documented one"):
        junyi_graph(tmp_path)


def test_the_real_graph_is_a_dag_of_every_exercise_named_with_its_topic():
    folder = data_dir_default() / JUNYI_DIR
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the shared data folder ../shared/data is needed for this test")

    graph = junyi_graph(folder)

    assert nx.is_directed_acyclic_graph(graph)
    assert graph.number_of_edges() == 981 - 2 - 1  # rows less the self-loops and the cycle edge
    assert graph.number_of_nodes() == 776 and all("topic" in data for _, data in graph.nodes(data=True))
    assert sum(topic == "addition-subtraction" for _, topic in graph.nodes(data="topic")) > 30
