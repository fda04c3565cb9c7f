"""What the decision heads read and the labels they speak in, shared by serving (``llm.decision_models``) and
training (``llm.evaluate.decision_training``), so that both compute exactly the same features.

Every text goes through the frozen MiniLM encoder (``llm.encoder``):

- ``remediation_features`` (the ``error``, ``strategy``, ``intention`` heads, Bridge): the lesson topic with the
  last four turns, the student's last turn, the tutor's turn before it and the topic alone, plus a few hand-made
  cues about the student's answer (``remediation_cues``);
- ``move_features`` (the ``move`` head, MathDial): the tutor utterance;
- ``critic_features`` (the ``critic_<dimension>`` heads, MRBench): the context, the reply and their element-wise
  product (how well the reply fits what was said).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from llm.encoder import text_embed
from llm.labels import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES

Turn = tuple[str, str]  # (role, text), role "student" or "tutor"

REMEDIATION_HEADS = {"error": BRIDGE_ERROR_TYPES, "strategy": STRATEGIES, "intention": INTENTIONS}
MOVES = ("focus", "probing", "telling", "generic")

# Per MRBench dimension: its classes, and the one a good tutor reply should get. Revealing's two "Yes" ratings
# (correct or incorrect answer revealed) are one class: either way the student is told instead of led. The
# single "Offensive" tone among ~5,700 ratings cannot be learned and is dropped.
CRITIC_DIMENSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "mistake_identification": (("Yes", "To some extent", "No"), "Yes"),
    "mistake_location": (("Yes", "To some extent", "No"), "Yes"),
    "revealing_of_the_answer": (("No", "Yes"), "No"),
    "providing_guidance": (("Yes", "To some extent", "No"), "Yes"),
    "actionability": (("Yes", "To some extent", "No"), "Yes"),
    "coherence": (("Yes", "To some extent", "No"), "Yes"),
    "tutor_tone": (("Encouraging", "Neutral"), "Encouraging"),
    "humanlikeness": (("Yes", "To some extent", "No"), "Yes"),
}

CONTEXT_TURNS = 4  # Bridge snippets hold four turns; predicting from more would read text unlike the training data
REMEDIATION_FEATURES = "remediation-v2"  # the feature builder's name in manifests: v1 (768 dims) is not readable


def _dialogue_text(dialogue: Sequence[Turn]) -> str:
    return "\n".join(f"{role}: {text}" for role, text in dialogue)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_UNSURE = ("don't know", "dont know", "idk", "not sure", "no idea", "i dont", "i don't")
_UNITS = ("cm", "meter", "inch", "feet", "ft", "$", "%", "unit", "degree")
REMEDIATION_CUE_NAMES = (
    "has_number", "several_numbers", "asks_question", "unsure", "log_words", "log_tutor_words",
    "number_in_tutor_turn", "closeness_to_history_number", "number_from_earlier_turns", "repeats_earlier_answer",
    "mentions_unit", "has_decimal", "has_fraction", "very_short", "yes_no_ok", "tutor_asked_question",
)


def _numbers(text: str) -> list[float]:
    return [float(match) for match in _NUMBER.findall(text.replace(",", ""))]


def _recent_parts(dialogue: Sequence[Turn]) -> tuple[list[Turn], str, str]:
    """The last four turns, the student's last turn, and the tutor's turn before it ("" when absent)."""
    recent = list(dialogue)[-CONTEXT_TURNS:]
    last = next((k for k in range(len(recent) - 1, -1, -1) if recent[k][0] == "student"), None)
    student = recent[last][1] if last is not None else ""
    tutor = next((text for role, text in reversed(recent[:last]) if role == "tutor"), "") if last is not None else ""
    return recent, student, tutor


def remediation_cues(dialogue: Sequence[Turn]) -> np.ndarray:
    """Hand-made cues about the student's last answer that bear on the error type, shape (16,) in
    ``REMEDIATION_CUE_NAMES`` order: numbers in it, a question or "I don't know", lengths, whether its number
    was in the tutor's question or earlier turns (copied), how close it is to a number said before
    (exp(-relative distance): a near miss looks careless or imprecise), a repeated answer (guessing), units,
    decimals and fractions (precision), a bare "yes"/"ok"."""
    recent, student, tutor = _recent_parts(dialogue)
    earlier = [text for _, text in recent[:-1]] if recent and recent[-1][1] == student else [t for _, t in recent]
    said = student.lower().strip()
    mine, before, asked = _numbers(student), _numbers(" ".join(earlier)), _numbers(tutor)
    closeness = max((math.exp(-abs(a - b) / max(abs(b), 1.0)) for a in mine for b in before), default=0.0)
    earlier_answers = [text.lower().strip() for role, text in recent[:-1] if role == "student"]
    return np.array([
        bool(mine), len(mine) > 1, "?" in student, any(cue in said for cue in _UNSURE),
        math.log1p(len(student.split())), math.log1p(len(tutor.split())),
        any(a in asked for a in mine), closeness, any(a in before and a not in asked for a in mine),
        said in earlier_answers, any(unit in said for unit in _UNITS),
        bool(re.search(r"\d\.\d", student)), "/" in student, len(said) <= 3,
        said.rstrip(".!") in ("yes", "no", "ok", "okay", "yeah"), "?" in tutor,
    ], dtype=np.float32)


def remediation_features(*, dialogues: Sequence[Sequence[Turn]], topics: Sequence[str]) -> np.ndarray:
    """[embed(topic + last four turns), embed(student's last turn), embed(tutor's turn before it),
    embed(topic), remediation_cues], shape (n, 4 * 384 + 16)."""
    contexts, students, tutors = [], [], []
    for dialogue, topic in zip(dialogues, topics, strict=True):
        recent, student, tutor = _recent_parts(dialogue)
        contexts.append(f"Lesson: {topic}\n{_dialogue_text(recent)}")
        students.append(student)
        tutors.append(tutor)
    cues = np.stack([remediation_cues(dialogue) for dialogue in dialogues]) if dialogues else (
        np.zeros((0, len(REMEDIATION_CUE_NAMES)), dtype=np.float32))
    return np.concatenate(
        [text_embed(contexts), text_embed(students), text_embed(tutors), text_embed(list(topics)), cues], axis=1,
    )


def move_features(*, texts: Sequence[str]) -> np.ndarray:
    """embed(tutor utterance), shape (n, 384)."""
    return text_embed(texts)


def critic_features(*, dialogues: Sequence[Sequence[Turn]], replies: Sequence[str]) -> np.ndarray:
    """[embed(last turns), embed(reply), their product], shape (n, 1152).

    The context is the last turns, not the whole history: MRBench histories open with the full word problem,
    which would fill the encoder's window and hide the student's latest step.
    """
    contexts = text_embed([_dialogue_text(list(dialogue)[-3:]) for dialogue in dialogues])
    answers = text_embed(replies)
    return np.concatenate([contexts, answers, contexts * answers], axis=1)
