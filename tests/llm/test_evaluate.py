"""``python -m llm.evaluate``: the tutor measured end to end on a small slice of the real data."""

import json
import random
from pathlib import Path

import pytest

from llm.evaluate.__main__ import main
from llm.evaluate.episodes import episode_run, mathdial_problems

DEMO_COURSE = Path(__file__).resolve().parents[2] / "tutoring" / "demo" / "course.yaml"


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


@pytest.mark.slow
def test_evaluate_writes_results_with_the_documented_keys(data_dir, small_models, tmp_path):
    _, folder = small_models
    code = main(["--out", str(tmp_path / "out"), "--data", str(data_dir), "--models", str(folder.parent),
                 "--course", str(DEMO_COURSE), "--episodes", "3", "--learners", "4"])
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert code == 0
    for head in ("error", "strategy", "intention"):
        assert {"macro_f1", "accuracy"} <= set(results["decisions"][head])
        assert {"macro_f1", "accuracy"} <= set(results["reference"]["gpt4"][head])
        assert {"macro_f1", "accuracy"} <= set(results["reference"]["godel_finetuned"][head])
        low, high = results["versus_gpt4"][head]["interval_95"]
        assert low <= results["versus_gpt4"][head]["macro_f1_difference"] <= high
    assert {"telling_rate", "n", "turns_to_correct"} <= set(results["episodes"]) and results["episodes"]["n"] == 3
    policies = {"planner", "heuristic", "topological", "planner_no_review", "fsrs"}
    assert policies <= set(results["planning"]["demo"])
    assert set(results["policy"]["demo"]) == policies
    for measured in results["policy"]["demo"].values():
        assert set(measured) == {"items_to_mastery", "retained_30d"} and 0 <= measured["retained_30d"] <= 1
    assert "macro_f1" in json.dumps(results["moves"]) and results["critic"]
    assert "GPT-4 macro-F1" in (tmp_path / "out" / "results.md").read_text()
    assert "fine-tuned GODEL macro-F1" in (tmp_path / "out" / "results.md").read_text()
    assert "paired bootstrap" in (tmp_path / "out" / "results.md").read_text()
    assert "retained after 30 days" in (tmp_path / "out" / "results.md").read_text()


def test_evaluate_refuses_a_folder_without_the_data(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "out"), "--data", str(tmp_path)]) == 2
    assert "bridge/" in capsys.readouterr().err


def test_evaluate_refuses_a_missing_course_file(data_dir, tmp_path, capsys):
    assert main(["--out", str(tmp_path / "out"), "--data", str(data_dir), "--course", str(tmp_path / "no.yaml")]) == 2
    assert "no course file" in capsys.readouterr().err
