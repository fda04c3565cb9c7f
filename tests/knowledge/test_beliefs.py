"""The learner model behind its facade (knowledge.beliefs), as the app uses it: the online update, mastery and
forecasts, the cohort refit and its snapshots."""

import uuid

import pytest
import torch
from django.utils import timezone

from knowledge.beliefs import course as course_models
from knowledge.beliefs.clock import days
from knowledge.learner.data import Answers, concept_sets_pad
from knowledge.learner.filter import filter_run
from knowledge.models import Concept, ConceptState, LearnerTraits, ModelSnapshot, Prerequisite
from knowledge.services import graph_edge_add
from tests.conftest import make_student, wrong_answer
from tutoring import services
from tutoring.learner_model import course_learner_model, learner_model_refit
from tutoring.models import Attempt, Item


def course_model(*, course_id: int) -> course_models.CourseModel:
    return course_learner_model(course_id=course_id).course


def learner_mastery(*, learner_ids: list[int], course_id: int, at) -> dict:
    return course_learner_model(course_id=course_id).mastery(learner_ids=learner_ids, at=at)


def _practise(session, answers: list[bool]) -> None:
    for right in answers:
        session.refresh_from_db()
        item = session.current_item
        services.attempt_record(session=session, item_id=item.id, response=item.answer if right else wrong_answer(item),
                                client_id=uuid.uuid4())
        session.refresh_from_db()
        if session.current_solved or not right:
            services.session_item_advance(session=session)


def test_online_updates_equal_replaying_the_answers_through_the_filter(session):
    _practise(session, [True, False, True, True, False])
    model = course_model(course_id=session.course_id)
    attempts = list(Attempt.objects.filter(learner=session.learner).order_by("created_at", "id"))
    concepts = concept_sets_pad([[model.concept_index[c] for c in model.concepts_of(a.item_id)] for a in attempts])
    answers = Answers(
        learner=torch.zeros(len(attempts), dtype=torch.long),
        item=torch.tensor([model.item_index[a.item_id] for a in attempts]),
        concept=concepts[:, 0],
        time=torch.tensor([days(a.created_at) for a in attempts], dtype=torch.float64).float(),
        correct=torch.tensor([float(a.correct) for a in attempts]),
        concepts=concepts,
    )
    assert concepts.shape[1] > 1  # the course has items with several concepts
    _, state = filter_run(model.posterior, answers, observe=torch.ones(len(attempts), dtype=torch.bool))
    for row in ConceptState.objects.filter(learner_id=session.learner_id):
        k = model.concept_index[row.concept_id]
        assert row.offset == pytest.approx(float(state.offset[0, k]), abs=1e-4)
        assert row.coupling == pytest.approx(float(state.coupling[0, k]), abs=1e-4)
        assert row.variance == pytest.approx(float(state.variance[0, k]), abs=1e-4)
        assert (row.right, row.wrong) == (float(state.right[0, k]), float(state.wrong[0, k]))
    traits = LearnerTraits.objects.get(learner_id=session.learner_id)
    assert traits.mean["level"] == pytest.approx(float(state.level_mean[0]), abs=1e-4)
    assert (traits.right, traits.wrong) == (3, 2)
    assert (traits.recent_right, traits.recent_wrong) == pytest.approx(
        (float(state.recent_right[0]), float(state.recent_wrong[0])))


def test_the_course_model_follows_curators_edits_made_after_it_was_built(course):
    item = Item.objects.filter(course=course, concepts__slug="fraction-meaning").order_by("id").first()
    before = course_model(course_id=course.id)
    Item.objects.filter(pk=item.pk).update(difficulty=item.difficulty + 2.0)  # as the admin's list edit would
    edited = course_model(course_id=course.id)
    assert float(edited.posterior.item_difficulty[edited.item_index[item.id]]) == pytest.approx(item.difficulty + 2)
    concept = Concept.objects.create(course_id=course.id, slug="mixed-numbers", name="Mixed numbers", position=9)
    assert concept.id in course_model(course_id=course.id).concept_index and concept.id not in before.concept_index
    item.concepts.add(concept)  # the item's main concept is now the new one: its difficulty moves there
    linked = course_model(course_id=course.id)
    assert float(linked.posterior.concept_difficulty[linked.concept_index[concept.id]]) == pytest.approx(
        item.difficulty + 2)


def test_the_course_model_follows_swaps_that_keep_every_total(course):
    items = list(Item.objects.filter(course=course).order_by("difficulty", "id"))
    easy, hard = items[0], items[-1]
    course_model(course_id=course.id)
    Item.objects.filter(pk=easy.pk).update(difficulty=hard.difficulty)
    Item.objects.filter(pk=hard.pk).update(difficulty=easy.difficulty)
    swapped = course_model(course_id=course.id)
    assert float(swapped.posterior.item_difficulty[swapped.item_index[easy.id]]) == pytest.approx(hard.difficulty)

    # Two concepts trade places in the teaching order: the items on both change their main concept.
    like, meaning = (Concept.objects.get(course_id=course.id, slug=slug)
                     for slug in ("like-fractions", "fraction-meaning"))
    before = swapped.posterior.concept_difficulty[swapped.concept_index[like.id]].item()
    Concept.objects.filter(pk=like.pk).update(position=meaning.position)
    Concept.objects.filter(pk=meaning.pk).update(position=like.position)
    reordered = course_model(course_id=course.id)
    assert reordered.posterior.concept_difficulty[reordered.concept_index[like.id]].item() != pytest.approx(before)


def test_an_item_left_without_concepts_is_still_marked_and_the_refit_leaves_its_answers_out(session, course):
    session.refresh_from_db()
    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=wrong_answer(item), client_id=uuid.uuid4())
    Concept.objects.filter(items=item).delete()  # a curator deletes the item's concepts in the admin
    client_id = uuid.uuid4()
    result = services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=client_id)
    assert result.created and result.verdict.correct and result.mastery == {}
    resent = services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=client_id)
    assert not resent.created and resent.mastery == {}
    _practise(services.session_start(learner=session.learner, course=course), [True, False, True])

    snapshot = learner_model_refit(course_id=course.id, steps=5)
    assert snapshot.is_active and snapshot.answers == Attempt.objects.exclude(item=item).count() > 0
    assert learner_model_refit(course_id=course.id, steps=5) == snapshot  # nothing new: nothing to do


def test_refit_writes_a_snapshot_switches_to_it_and_keeps_beliefs_consistent(session, classroom, course):
    other = services.session_start(learner=make_student(classroom, "ria"), course=course)
    _practise(session, [True, True, False, True])
    _practise(other, [False, False, True])
    snapshot = learner_model_refit(course_id=course.id, steps=20)
    assert snapshot.is_active and snapshot.status == "ready" and snapshot.progress == 1.0 and snapshot.answers == 7
    assert course_model(course_id=course.id).version == snapshot.version
    traits = LearnerTraits.objects.get(learner_id=session.learner_id)
    assert {"log_alpha", "mu", "log_sigma", "level"} <= set(traits.mean)
    mastery = learner_mastery(learner_ids=[session.learner_id], course_id=course.id, at=timezone.now())
    assert all(0 < m.p < 1 and m.low < m.high for m in mastery.values())


def test_refit_twice_without_new_answers_changes_nothing(session, course):
    _practise(session, [True, False])
    first = learner_model_refit(course_id=course.id, steps=10)
    again = learner_model_refit(course_id=course.id, steps=10)
    assert again.pk == first.pk and ModelSnapshot.objects.count() == 1


def test_new_answers_make_a_new_version_and_retire_the_old(session, course):
    _practise(session, [True])
    first = learner_model_refit(course_id=course.id, steps=10)
    _practise(session, [False])
    second = learner_model_refit(course_id=course.id, steps=10)
    first.refresh_from_db()
    assert second.version == first.version + 1 and second.is_active and not first.is_active


def test_refit_of_a_course_without_answers_says_so(course):
    with pytest.raises(ValueError, match="no answers"):
        learner_model_refit(course_id=course.id)


def _three_learners_practise(session, classroom, course, monkeypatch) -> None:
    """Three learners answer fraction-meaning items, then like-fractions items; the curated edge between the two is
    taken out first, so the data hold an ordered pair the graph lacks, and one learner in that order is enough to
    make it a candidate."""
    monkeypatch.setattr("knowledge.beliefs.refit.EDGE_CANDIDATE_LEARNERS", 1)
    Prerequisite.objects.filter(prerequisite__slug="fraction-meaning", concept__slug="like-fractions").delete()
    for learner in (session.learner, make_student(classroom, "ria"), make_student(classroom, "ola")):
        for slug in ("fraction-meaning", "like-fractions"):
            focus = Concept.objects.get(course_id=course.id, slug=slug)
            _practise(services.session_start(learner=learner, course=course, focus=focus),
                      [True, False, True, True, False])


def test_refit_stores_fitted_edge_weights_and_suggests_edges_outside_the_graph(session, classroom, course,
                                                                                monkeypatch):
    _three_learners_practise(session, classroom, course, monkeypatch)
    snapshot = learner_model_refit(course_id=course.id, steps=20)
    parameters = snapshot.parameters
    curated = set(Prerequisite.objects.filter(concept__course_id=course.id)
                  .values_list("prerequisite_id", "concept_id"))
    fitted = [(snapshot.concept_ids[j], snapshot.concept_ids[k]) for j, k in parameters["edges"]]
    assert curated <= set(fitted) and len(parameters["edge_weight"]) == len(fitted)
    assert all(w >= 0 for w in parameters["edge_weight"]) and parameters["gamma"] > 0
    suggestions = course_learner_model(course_id=course.id).edge_suggestions()
    assert len(suggestions) == len(parameters["edge_suggestions"])
    slugs = dict(Concept.objects.filter(course_id=course.id).values_list("id", "slug"))
    suggested = {(slugs[row.prerequisite_id], slugs[row.concept_id]) for row in suggestions}
    assert suggested & {("fraction-meaning", "like-fractions"), ("like-fractions", "fraction-meaning")}
    names = dict(Concept.objects.filter(course_id=course.id).values_list("id", "name"))
    for row in suggestions:
        assert (row.prerequisite_id, row.concept_id) not in curated
        assert (row.prerequisite_name, row.concept_name) == (names[row.prerequisite_id], names[row.concept_id])
        assert {"weight", "weight_interval", "answers_after_parent", "right_without_parent"} <= set(row.evidence)
    assert [row.score for row in suggestions] == sorted((row.score for row in suggestions), reverse=True)


def test_a_suggestion_the_curator_adds_leaves_the_list(session, classroom, course, monkeypatch):
    _three_learners_practise(session, classroom, course, monkeypatch)
    learner_model_refit(course_id=course.id, steps=10)
    addable = next(row for row in course_learner_model(course_id=course.id).edge_suggestions() if not row.closes_cycle)
    graph_edge_add(prerequisite=Concept.objects.get(pk=addable.prerequisite_id),
                   concept=Concept.objects.get(pk=addable.concept_id))
    suggestions = course_learner_model(course_id=course.id).edge_suggestions()
    listed = {(row.prerequisite_id, row.concept_id) for row in suggestions}
    assert (addable.prerequisite_id, addable.concept_id) not in listed


def test_a_snapshot_stored_before_transfer_still_serves_the_app(session, course):
    _practise(session, [True, False, True])
    snapshot = learner_model_refit(course_id=course.id, steps=10)
    old_keys = {"trait_loc", "trait_scale", "traits", "item_difficulty", "concept_difficulty", "learn_right",
                "learn_wrong", "general", "item_seen"}
    snapshot.parameters = {key: value for key, value in snapshot.parameters.items() if key in old_keys}
    snapshot.save()
    course_models._built_models.clear()  # the cache keys on the snapshot, whose parameters were rewritten in place
    assert len(course_model(course_id=course.id).posterior.edge_weight) == 0
    mastery = learner_mastery(learner_ids=[session.learner_id], course_id=course.id, at=timezone.now())
    assert mastery and all(0 < m.p < 1 for m in mastery.values())
    assert course_learner_model(course_id=course.id).edge_suggestions() == []


def _active_fit_with(course, **parameters) -> ModelSnapshot:
    """Refit the course briefly, then set these fitted parameters in the active snapshot."""
    snapshot = learner_model_refit(course_id=course.id, steps=10)
    snapshot.parameters = {**snapshot.parameters, **parameters}
    snapshot.save()
    course_models._built_models.clear()  # the cache keys on the snapshot, whose parameters were rewritten in place
    return snapshot


def test_the_app_predicts_with_every_course_wide_coefficient_of_the_active_fit(session, course):
    _practise(session, [True, False, True])
    snapshot = _active_fit_with(course, recency=[0.4, -0.3], general=[0.2, -0.1], trait_loc=[-1.0, 0.5, -0.5],
                                trait_scale=[0.3, 0.8, 0.2])
    posterior = course_model(course_id=course.id).posterior
    for name in ("recency", "general", "trait_loc", "trait_scale"):
        assert getattr(posterior, name).tolist() == pytest.approx(snapshot.parameters[name]), name


def test_mastery_shows_what_the_learner_knows_while_the_item_chooser_also_reads_how_the_last_answers_went(
        session, course):
    _practise(session, [True, False, True])
    _active_fit_with(course, recency=[0.8, -0.8])
    now = timezone.now()
    items = list(Item.objects.filter(course=course).values_list("id", flat=True))

    def read(recent_right: float, recent_wrong: float) -> tuple[dict, dict]:
        LearnerTraits.objects.filter(learner_id=session.learner_id).update(recent_right=recent_right,
                                                                     recent_wrong=recent_wrong)
        return (learner_mastery(learner_ids=[session.learner_id], course_id=course.id, at=now),
                course_learner_model(course_id=course.id).item_success(learner_id=session.learner_id,
                                                                       item_ids=items, at=now))

    going_well, chances_going_well = read(2.0, 0.0)
    going_badly, chances_going_badly = read(0.0, 2.0)
    assert going_well == going_badly
    assert all(chances_going_badly[item] < chances_going_well[item] for item in items)


def test_the_mastery_an_answer_shows_at_once_is_what_the_mastery_view_reads_after_it(session, course):
    _practise(session, [True, False, True])
    _active_fit_with(course, recency=[0.8, -0.8])
    session.refresh_from_db()
    item = session.current_item
    result = services.attempt_record(session=session, item_id=item.id, response=wrong_answer(item),
                                     client_id=uuid.uuid4())
    viewed = learner_mastery(learner_ids=[session.learner_id], course_id=course.id, at=result.attempt.created_at)
    assert result.mastery
    for concept_id, mastery in result.mastery.items():
        assert mastery.p == pytest.approx(viewed[(session.learner_id, concept_id)].p, abs=1e-6)


def test_retention_forecast_fades_what_was_just_practised_and_grows_less_sure(session):
    _practise(session, [True, True, True, True])
    now = timezone.now()
    known = learner_mastery(learner_ids=[session.learner_id], course_id=session.course_id, at=now)
    model = course_learner_model(course_id=session.course_id)
    _, today = model.outlook(learner_ids=[session.learner_id], at=now, days_ahead=0)
    also_known, ahead = model.outlook(learner_ids=[session.learner_id], at=now)
    practised = [key for key, mastery in known.items() if mastery.observed]
    assert practised and today == known == also_known
    for key in practised:
        assert ahead[key].p < known[key].p and ahead[key].uncertainty > known[key].uncertainty


@pytest.mark.parametrize("right", [True, False])
def test_answer_outlook_shows_the_mastery_the_answer_then_gives_and_stores_nothing(session, course, right):
    _practise(session, [True, False, True])
    session.refresh_from_db()
    item = session.current_item
    model = course_learner_model(course_id=course.id)
    before = list(ConceptState.objects.filter(learner_id=session.learner_id).values_list("offset", "right"))
    at = timezone.now()
    outlook = model.answer_outlook(learner_id=session.learner_id, item_ids=[item.id], at=at)[item.id]
    assert list(ConceptState.objects.filter(learner_id=session.learner_id).values_list("offset", "right")) == before
    assert outlook.success == pytest.approx(
        model.item_success(learner_id=session.learner_id, item_ids=[item.id], at=at)[item.id], abs=1e-6)
    shown = model.observe(learner_id=session.learner_id, item_id=item.id, correct=right, at=at)
    expected = outlook.after_right if right else outlook.after_wrong
    assert set(expected) == set(shown) == {c.id for c in item.concepts.all()}
    for concept_id, mastery in shown.items():
        assert expected[concept_id] == pytest.approx(mastery.p, abs=1e-6)
    assert outlook.after_right[item.concepts.first().id] > outlook.after_wrong[item.concepts.first().id]


def test_answer_outlook_leaves_out_items_the_model_does_not_know(session, course):
    model = course_learner_model(course_id=course.id)
    assert model.answer_outlook(learner_id=session.learner_id, item_ids=[10**9], at=timezone.now()) == {}
