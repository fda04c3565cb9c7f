"""Planning on simulated learners: every policy measured on items to mastery and on what is retained a month on."""

from pathlib import Path

import pytest
import torch

from llm.evaluate.planning import fit_population, planning_evaluate
from llm.evaluate.planning.courses import demo_course_load
from llm.evaluate.planning.learners import course_posterior, learners_draw, population_load
from llm.evaluate.planning.policies import POLICIES, PlannerPolicy
from llm.evaluate.planning.simulation import ITEM_CAP, policy_run
from llm.policy import MASTERED, REVIEW_HORIZON_DAYS

DEMO_COURSE = Path(__file__).resolve().parents[2] / "tutoring" / "demo" / "course.yaml"


@pytest.mark.slow
def test_planning_evaluation_reports_each_policy_on_items_and_retention(tmp_path):
    result = planning_evaluate(course_file=DEMO_COURSE, seed=0, n_learners=16, data_dir=tmp_path)
    planning, policy = result["planning"], result["policy"]
    assert planning["n"] == 16 and planning["settings"]["mastery_target"] == MASTERED
    assert set(policy["demo"]) == set(POLICIES) == {"planner", "heuristic", "topological", "planner_no_review",
                                                     "fsrs"}
    for name, measured in policy["demo"].items():
        assert 0 < measured["items_to_mastery"] <= ITEM_CAP
        assert measured["items_to_mastery"] == planning["demo"][name]["mean"]
        assert 0 <= measured["retained_30d"] <= 1
    assert policy["demo"]["planner"]["items_to_mastery"] <= policy["demo"]["topological"]["items_to_mastery"]
    assert "skipped" in planning["junyi"] and "skipped" in policy["junyi"]


def test_planning_without_a_course_file_says_so(tmp_path):
    result = planning_evaluate(course_file=None, seed=0, n_learners=4, data_dir=tmp_path)
    assert result["planning"]["demo"] == result["policy"]["demo"] == {"skipped": "no course file given"}


def test_a_run_counts_items_until_the_goals_are_mastered_and_what_is_kept_of_the_mastered_concepts():
    course = demo_course_load(path=DEMO_COURSE)
    population = population_load()
    learners = learners_draw(population=population, n_learners=6, n_concepts=len(course.names), seed=3)
    run = policy_run(course=course, population=population, learners=learners, policy="planner_no_review", seed=3)
    assert run.used.shape == run.retained.shape == (6,)
    assert ((run.used > 0) & (run.used <= ITEM_CAP)).all()
    assert (run.mastered_at_end >= len(course.goals))[run.used < ITEM_CAP].all()
    assert ((run.retained >= 0) & (run.retained <= 1)).all()


def test_the_simulated_planner_reviews_only_with_reviews_on():
    course = demo_course_load(path=DEMO_COURSE)
    population = population_load()
    with_reviews = PlannerPolicy(course, population, n_learners=1, reviews=True)
    without = PlannerPolicy(course, population, n_learners=1, reviews=False)
    who = torch.tensor([0])
    hardest = int(course.concept_difficulty.argmax())
    item = int(with_reviews.items[hardest][0])
    tomorrow = 1.0
    for policy in (with_reviews, without):  # right answers in a row on the hardest concept until it is mastered
        for minute in range(40):
            policy.observe(who, concept=torch.tensor([hardest]), item=torch.tensor([item]),
                           correct=torch.tensor([1.0]), time=minute / 1440)
            if float(policy.mastery_at(who, time=tomorrow)[0][0, hardest]) >= MASTERED:
                break
        policy.answered[0].insert(0, -1)  # then an item of another concept
    mastery, _ = with_reviews.mastery_at(who, time=tomorrow)
    forecast, _ = with_reviews.mastery_at(who, time=tomorrow + REVIEW_HORIZON_DAYS)
    assert float(mastery[0, hardest]) >= MASTERED > float(forecast[0, hardest])
    assert int(with_reviews.pick(who, step=4, time=tomorrow, item_draw=torch.zeros(1))[0][0]) == hardest
    assert int(without.pick(who, step=4, time=tomorrow, item_draw=torch.zeros(1))[0][0]) != hardest


def test_the_policies_filter_knows_the_population_but_not_the_courses_own_draws():
    course = demo_course_load(path=DEMO_COURSE)
    population = population_load()
    learners = learners_draw(population=population, n_learners=4, n_concepts=len(course.names), seed=1)
    told = course_posterior(course, population)
    assert torch.allclose(told.learn_right, torch.full_like(told.learn_right, population.learn_right.mean))
    assert not torch.allclose(told.learn_right, learners.learn_right)
    assert (learners.learn_wrong <= learners.learn_right).all()
    assert len(told.traits) == 0  # nothing of any learner's own traits


def test_refitting_the_population_without_the_data_is_refused(tmp_path, capsys):
    out = tmp_path / "population.json"
    assert fit_population.main(["--data", str(tmp_path), "--out", str(out)]) == 2
    assert "assist2017_timestamped_subset" in capsys.readouterr().err
    assert not out.exists()
