"""``python -m llm.evaluate``: the tutor measured end to end on a small slice of the real data."""

import json
import random

import numpy as np
import pytest

from llm.agents.schema import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES
from llm.decision_eval import UNPARSED, _resampled_macro_f1, godel_bridge_predictions, paired_bootstrap
from llm.decision_models import labels_score
from llm.evaluate.__main__ import main
from llm.evaluate.episodes import episode_run, mathdial_problems


def test_mathdial_problems_hold_a_numeric_answer_and_the_students_different_one(data_dir):
    problems = mathdial_problems(data_dir=data_dir)
    assert len(problems) > 300
    for problem in problems[:50]:
        assert float(problem.answer) != float(problem.wrong_answer)
        assert all(problem.answer not in step.split() for step in problem.steps)


def test_template_tutor_never_tells_the_simulated_student_before_their_attempt(data_dir):
    rng = random.Random(0)
    for problem in mathdial_problems(data_dir=data_dir)[:15]:
        episode = episode_run(problem, backend="template", backend_options=None, decision_models=None, rng=rng)
        assert episode["told_before_attempt"] is False and not any(episode["told"])
        assert problem.answer not in episode["replies"][0]


def test_evaluate_writes_results_with_the_documented_keys(data_dir, small_models, tmp_path):
    _, folder = small_models
    code = main(["--out", str(tmp_path / "out"), "--data", str(data_dir), "--models", str(folder.parent),
                 "--episodes", "3", "--learners", "4"])
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert code == 0
    for head in ("error", "strategy", "intention"):
        assert {"macro_f1", "accuracy"} <= set(results["decisions"][head])
        assert {"macro_f1", "accuracy"} <= set(results["reference"]["gpt4"][head])
        assert {"macro_f1", "accuracy"} <= set(results["reference"]["godel_finetuned"][head])
        low, high = results["versus_gpt4"][head]["interval_95"]
        assert low <= results["versus_gpt4"][head]["macro_f1_difference"] <= high
    assert {"telling_rate", "n", "turns_to_correct"} <= set(results["episodes"]) and results["episodes"]["n"] == 3
    assert {"planner", "topological", "heuristic"} <= set(results["planning"]["demo"])
    assert "macro_f1" in json.dumps(results["moves"]) and results["critic"]
    assert "GPT-4 macro-F1" in (tmp_path / "out" / "results.md").read_text()
    assert "fine-tuned GODEL macro-F1" in (tmp_path / "out" / "results.md").read_text()
    assert "paired bootstrap" in (tmp_path / "out" / "results.md").read_text()


def test_resampled_macro_f1_scores_a_resample_as_labels_score_does():
    rng = random.Random(1)
    gold = [rng.choice("abcd") for _ in range(60)]
    predicted = [rng.choice("abcde") for _ in gold]
    pick = [rng.randrange(60) for _ in range(60)]
    weights = np.bincount(pick, minlength=60)[None, :].astype(float)
    codes = {label: i for i, label in enumerate("abcde")}
    fast = _resampled_macro_f1(np.array([codes[x] for x in gold]), np.array([codes[x] for x in predicted]), weights)
    slow = labels_score(gold=[gold[i] for i in pick], predicted=[predicted[i] for i in pick])["macro_f1"]
    assert fast[0] == pytest.approx(slow)


def test_paired_bootstrap_is_sure_of_a_clear_win_and_not_of_a_tie():
    rng = random.Random(0)
    gold = [rng.choice("abc") for _ in range(150)]
    guesses = [rng.choice("abc") for _ in gold]
    clear = paired_bootstrap(gold=gold, ours=gold, theirs=guesses, resamples=300)
    assert clear["interval_95"][0] > 0.4 and clear["share_ours_higher"] == 1.0
    tie = paired_bootstrap(gold=gold, ours=guesses, theirs=guesses, resamples=300)
    assert tie["interval_95"] == [0.0, 0.0] and tie["share_ours_higher"] == 0.0
    noisy = paired_bootstrap(gold=gold, ours=guesses, theirs=[rng.choice("abc") for _ in gold], resamples=300)
    assert noisy["interval_95"][0] < 0 < noisy["interval_95"][1]


def test_evaluate_refuses_a_folder_without_the_data(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "out"), "--data", str(tmp_path)]) == 2
    assert "bridge/" in capsys.readouterr().err


def test_the_fine_tuned_godel_reference_reads_as_label_names_of_each_head(data_dir):
    predictions = godel_bridge_predictions(data_dir=data_dir)
    test_rows = json.loads((data_dir / "bridge/dataset/test.json").read_text())
    vocabulary = {"error": {*BRIDGE_ERROR_TYPES, "other"}, "strategy": set(STRATEGIES), "intention": set(INTENTIONS)}
    for head, labels in vocabulary.items():
        assert len(predictions[head]) == len(test_rows)
        assert UNPARSED not in predictions[head] and set(predictions[head]) <= labels
        assert len(set(predictions[head])) > 1
