"""``python -m knowledge.evaluate.bench`` on reduced sizes: the files it writes, and its answers to bad arguments.

Speed targets live in the benchmark's output, never here.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from knowledge.evaluate.bench.__main__ import main
from knowledge.evaluate.datasets import data_dir_default
from knowledge.evaluate.junyi import JUNYI_DIR

ONLINE_KEYS = {"posterior", "n_concepts", "answers", "warmup", "target_p99_ms", "settings"}
SETTING_KEYS = {"name", "torch_threads", "inference_mode", "p50_ms", "p90_ms", "p99_ms", "max_ms", "meets_target"}
GRAPH_KEYS = {"graph", "n_concepts", "n_edges", "n_non_edges", "simulation", "n_answers", "fit_steps",
              "simulate_seconds", "fit_seconds", "correlation", "edge_auroc", "transfer", "targets", "meets_target"}
RECOVERY_KEYS = {"simulation", "fit_steps", "fit_seconds", "correlation", "targets", "meets_target", "edges",
                 "edges_note", "alpha_note"}


@pytest.mark.slow
def test_online_and_recovery_write_json_and_markdown(tmp_path):
    code = main(["--out", str(tmp_path), "--only", "online,recovery", "--online-answers", "200",
                 "--recovery-learners", "40", "--recovery-steps", "50"])

    assert code == 0
    document = json.loads((tmp_path / "knowledge.json").read_text())
    assert set(document) == {"machine", "online", "recovery"}
    assert {"cpu_count", "torch_threads", "load_average_start", "load_average_end"} <= set(document["machine"])
    assert set(document["online"]) == ONLINE_KEYS and document["online"]["answers"] == 200
    for setting in document["online"]["settings"]:
        assert set(setting) == SETTING_KEYS
        assert 0 < setting["p50_ms"] <= setting["p90_ms"] <= setting["p99_ms"] <= setting["max_ms"]
    recovery = document["recovery"]
    assert set(recovery) == RECOVERY_KEYS and recovery["fit_steps"] == 50
    assert set(recovery["correlation"]) == {"log_alpha", "mu", "log_sigma", "item_difficulty"}
    assert recovery["edges"] is None and recovery["edges_note"]
    table = (tmp_path / "knowledge.md").read_text()
    assert f"{document['machine']['cpu_count']} CPUs" in table and "| mu |" in table and "p99 ms" in table


def test_refit_is_skipped_with_a_reason_when_the_data_folder_is_absent(tmp_path):
    absent = tmp_path / "assist2017_akt"

    code = main(["--out", str(tmp_path / "out"), "--only", "refit", "--refit-data", str(absent)])

    assert code == 0
    refit = json.loads((tmp_path / "out" / "knowledge.json").read_text())["refit"]
    assert refit == {"data": str(absent), "skipped": f"data folder {absent} is absent"}
    assert "Skipped: data folder" in (tmp_path / "out" / "knowledge.md").read_text()


@pytest.mark.slow
def test_refit_measures_each_size_in_a_process_of_its_own(tmp_path):
    folder = data_dir_default() / "assist2017_akt"
    if not folder.exists():
        pytest.skip(f"{folder} is absent: the shared data folder ../shared/data is needed for this test")

    code = main(["--out", str(tmp_path), "--only", "refit", "--refit-steps", "3", "--refit-answers", "2000,20000"])

    assert code == 0
    refit = json.loads((tmp_path / "knowledge.json").read_text())["refit"]
    small, large = refit["points"]
    assert small["scale"] == 2000 and 2000 <= small["n_interactions"] < 2000 + 3057  # whole learners
    assert large["n_interactions"] >= 20000 and large["n_learners"] > small["n_learners"]
    assert small["steps_run"] == large["steps_run"] == 3
    assert small["peak_rss_mib"] > 0 and small["seconds_per_step"] > 0
    assert refit["meets_target"] is False  # the whole data set was not fitted
    assert "| 2," in (tmp_path / "knowledge.md").read_text()


def test_cohort_grows_past_its_size_by_its_learners_again():
    from knowledge.evaluate.bench.speed import cohort_scaled
    from knowledge.evaluate.datasets import Interactions

    data = Interactions(learner=np.repeat(np.arange(4), [3, 1, 2, 4]), item=np.arange(10), skill=np.zeros(10, int),
                        skills=None, time=np.arange(10.0), correct=np.ones(10, np.int8), has_time=False, name="toy",
                        n_items=10, n_skills=1)

    cut, whole, grown = (cohort_scaled(data, answers=answers, seed=0) for answers in (4, None, 25))

    assert 4 <= len(cut) < 4 + 4 and cut.n_learners < 4
    assert whole is data
    assert len(grown) >= 25 and grown.n_learners > 4
    lengths = sorted(np.bincount(grown.learner).tolist())
    assert set(lengths) <= {1, 2, 3, 4}  # every learner a copy of one of the four


@pytest.mark.parametrize("answers", ["lots", "0", ""])
def test_bad_refit_sizes_are_refused_with_exit_code_2(tmp_path, answers):
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path), "--only", "refit", "--refit-answers", answers])

    assert exit_info.value.code == 2


def test_unknown_measurement_is_refused_with_exit_code_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path), "--only", "online,latency"])

    assert exit_info.value.code == 2
    assert "unknown measurement(s) latency" in capsys.readouterr().err
    assert not (tmp_path / "knowledge.json").exists()


@pytest.mark.slow
@pytest.mark.skipif(not (data_dir_default() / JUNYI_DIR).is_dir(), reason="the Junyi graph is not in the data folder")
def test_graph_recovery_writes_correlations_and_edge_auroc(tmp_path):
    code = main(["--out", str(tmp_path), "--only", "graph", "--graph-learners", "12", "--graph-steps", "3"])

    assert code == 0
    document = json.loads((tmp_path / "knowledge.json").read_text())
    assert set(document) == {"machine", "graph"}
    graph = document["graph"]
    assert set(graph) == GRAPH_KEYS and graph["fit_steps"] == 3
    assert 30 <= graph["n_concepts"] <= 60 and graph["n_edges"] == graph["n_non_edges"] > 0
    assert set(graph["correlation"]) == {"log_alpha", "mu", "log_sigma", "log_stationary_variance"}
    assert 0 <= graph["edge_auroc"] <= 1
    assert graph["transfer"]["non_edges_true"] == 0 and graph["transfer"]["edges_true"] > 0
    assert set(graph["meets_target"]) == {"log_alpha", "mu", "edge_auroc"}
    table = (tmp_path / "knowledge.md").read_text()
    assert "| edges (AUROC) |" in table and f"| {graph['transfer']['edges_fitted']:.3f} |" in table


def test_graph_recovery_is_skipped_with_a_reason_when_the_graph_is_absent(tmp_path):
    absent = tmp_path / "junyi15_prereq_graph"

    code = main(["--out", str(tmp_path / "out"), "--only", "graph", "--graph-data", str(absent)])

    assert code == 0
    graph = json.loads((tmp_path / "out" / "knowledge.json").read_text())["graph"]
    assert graph == {"graph": str(absent), "skipped": f"data folder {absent} is absent"}
