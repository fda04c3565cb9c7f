"""What the decision heads read: the hand-made cues about the student's answer."""

from __future__ import annotations

from llm.decision_features import REMEDIATION_CUE_NAMES, remediation_cues


def test_remediation_cues_flag_a_number_copied_from_the_tutors_question() -> None:
    def cues(answer: str) -> dict[str, float]:
        values = remediation_cues([("tutor", "What is 7 x 8?"), ("student", answer)])
        return dict(zip(REMEDIATION_CUE_NAMES, values, strict=True))

    cue = cues("7")
    assert cue["has_number"] == 1 and cue["number_in_tutor_turn"] == 1 and cue["tutor_asked_question"] == 1
    unsure = cues("idk")
    assert unsure["unsure"] == 1 and unsure["has_number"] == 0 and unsure["number_in_tutor_turn"] == 0
