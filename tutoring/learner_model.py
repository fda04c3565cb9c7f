"""The session domain's door to the learner model (``knowledge.beliefs``): it hands the model the course's items
and answers, which this domain owns, as plain data."""

from __future__ import annotations

from django.db import connection

from knowledge.beliefs import REFIT_STEPS, AnswerRecord, ItemEvidence, LearnerModel, learner_model
from knowledge.models import ModelSnapshot
from tutoring.models import Attempt, Item

_read_items: dict[int, tuple[tuple, tuple[ItemEvidence, ...]]] = {}


def course_item_evidence(*, course_id: int) -> tuple[ItemEvidence, ...]:
    """What the learner model knows of the course's items: their concepts and authored difficulty.

    Read once per process and reused while the course's items and their concepts stay the same (the same tuple
    is returned, which the learner model's own cache recognises at once): every answer and every page that shows
    mastery asks for it."""
    fingerprint = _items_fingerprint(course_id)
    read = _read_items.get(course_id)
    if read is None or read[0] != fingerprint:
        read = (fingerprint, _items_read(course_id))
        _read_items[course_id] = read
    return read[1]


def _items_read(course_id: int) -> tuple[ItemEvidence, ...]:
    links = (Item.concepts.through.objects.filter(item__course_id=course_id)
             .order_by("item_id", "concept_id").values_list("item_id", "concept_id", "item__difficulty"))
    concepts: dict[int, list[int]] = {}
    difficulty: dict[int, float] = {}
    for item_id, concept_id, item_difficulty in links:
        concepts.setdefault(item_id, []).append(concept_id)
        difficulty[item_id] = item_difficulty
    return tuple(ItemEvidence(item_id=item_id, concept_ids=tuple(ids), difficulty=difficulty[item_id])
                 for item_id, ids in concepts.items())


def _items_fingerprint(course_id: int) -> tuple:
    """Changes whenever the course's items would read differently: items added, removed or given another
    difficulty, concepts linked or unlinked. Sums are weighted by the row ids, so that a swap (two items'
    difficulties, a concept moved from one item to another) changes them too. One round trip."""
    items, links = Item._meta.db_table, Item.concepts.through._meta.db_table
    sql = f"""
        SELECT item.n, item.last, item.difficulty, link.n, link.concepts
        FROM (SELECT COUNT(*) AS n, MAX(id) AS last, SUM(id * difficulty) AS difficulty
              FROM {items} WHERE course_id = %s) AS item,
             (SELECT COUNT(*) AS n, SUM(link.item_id * link.concept_id) AS concepts
              FROM {links} AS link JOIN {items} AS item ON item.id = link.item_id WHERE item.course_id = %s) AS link
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [course_id, course_id])
        return cursor.fetchone()


def course_learner_model(*, course_id: int) -> LearnerModel:
    """The course's learner model (``knowledge.beliefs``), over the course's items as they are now."""
    return learner_model(course_id=course_id, items=course_item_evidence(course_id=course_id))


def course_answers(*, course_id: int, after: int | None = None) -> list[AnswerRecord]:
    """The course's answers in the order they were given (ties by id), for a refit; only those after the answer
    with id ``after`` when it is given. Answers given with the steps or the worked solution shown are left out:
    they are not evidence of what the learner can do alone (``tutoring.services``)."""
    attempts = Attempt.objects.filter(item__course_id=course_id, assisted=False)
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
