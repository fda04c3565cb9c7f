"""The session domain's door to the learner model (``knowledge.beliefs``): it hands the model the course's items
and answers, which this domain owns, as plain data."""

from __future__ import annotations

from knowledge.beliefs import REFIT_STEPS, AnswerRecord, ItemEvidence, LearnerModel, learner_model
from knowledge.models import ModelSnapshot
from tutoring.models import Attempt, Item


def course_item_evidence(*, course_id: int) -> tuple[ItemEvidence, ...]:
    """What the learner model knows of the course's items: their concepts and authored difficulty (one query)."""
    links = (Item.concepts.through.objects.filter(item__course_id=course_id)
             .order_by("item_id", "concept_id").values_list("item_id", "concept_id", "item__difficulty"))
    concepts: dict[int, list[int]] = {}
    difficulty: dict[int, float] = {}
    for item_id, concept_id, item_difficulty in links:
        concepts.setdefault(item_id, []).append(concept_id)
        difficulty[item_id] = item_difficulty
    return tuple(ItemEvidence(item_id=item_id, concept_ids=tuple(ids), difficulty=difficulty[item_id])
                 for item_id, ids in concepts.items())


def course_learner_model(*, course_id: int) -> LearnerModel:
    """The course's learner model (``knowledge.beliefs``), over the course's items as they are now."""
    return learner_model(course_id=course_id, items=course_item_evidence(course_id=course_id))


def course_answers(*, course_id: int, after: int | None = None) -> list[AnswerRecord]:
    """The course's answers in the order they were given (ties by id), for a refit; only those after the answer
    with id ``after`` when it is given."""
    attempts = Attempt.objects.filter(item__course_id=course_id)
    if after is not None:
        attempts = attempts.filter(id__gt=after)
    return [AnswerRecord(answer_id=answer_id, learner_id=learner_id, item_id=item_id, at=at, correct=correct)
            for answer_id, learner_id, item_id, at, correct in attempts.order_by("created_at", "id").values_list(
                "id", "learner_id", "item_id", "created_at", "correct")]


def learner_model_refit(*, course_id: int, steps: int = REFIT_STEPS, progress: bool = False) -> ModelSnapshot:
    """Fit the course's learner model to every answer so far and switch to the fit (``LearnerModel.refit``); the
    answers stored while it fits are applied once it is in place. With no new answer, nothing changes."""
    return course_learner_model(course_id=course_id).refit(
        answers=course_answers(course_id=course_id),
        answers_after=lambda answer_id: course_answers(course_id=course_id, after=answer_id),
        steps=steps, progress=progress)
