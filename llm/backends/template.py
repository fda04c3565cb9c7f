"""The template tutor: no model, replies assembled from the item's own hints and worked solution.

Wording varies with the turn number so a student asking twice does not read the same line twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from llm.tutor import TutorDecision, TutorRequest

OPENERS = {
    "answer": [
        "I won't hand you the answer, but I'll help you get there yourself.",
        "Let's work it out together instead. You can do this.",
        "Finding it yourself is what makes it stick, so here's a step.",
    ],
    "help": [
        "Good question.",
        "Let's take it one step at a time.",
        "Sure, here's something to try.",
    ],
    "chat": [
        "Thanks for telling me.",
        "Okay, let's look at it together.",
        "Got it.",
    ],
}
ENCOURAGE_FIRST = [
    "Have a go first: what is the question asking you to find? Tell me your first step and I'll check it with you.",
    "Start by reading the question again slowly. What do you know, and what do you need to find?",
    "Try writing down the first step you would take. If you get stuck, ask me for a hint.",
]
OUT_OF_HINTS = [
    "You've seen all my hints for this one. Go back through them step by step and try an answer; "
    "a wrong try is fine, it tells us where to look.",
    "That's every hint I have for this question. Put them together, try an answer, and we'll look at it.",
]
REDIRECT = [
    "That sounds fun! Let's get this question done first.",
    "Let's save that for later and focus on this question for now.",
]
CELEBRATE = [
    "Well done, you solved it! Ready for the next one?",
    "Nice work, that's right. Press Next when you're ready.",
]


def _pick(options: list[str], turn: int) -> str:
    return options[turn % len(options)]


class TemplateBackend:
    name = "template"

    def stream(self, request: TutorRequest, decision: TutorDecision) -> Iterator[str]:
        turn = request.turn
        if decision.move == "celebrate":
            reply = _pick(CELEBRATE, turn)
            if request.solution:
                reply += f" Here is a worked solution to compare with yours: {request.solution}"
        elif decision.move == "redirect":
            reply = f"{_pick(REDIRECT, turn)} {_pick(ENCOURAGE_FIRST, turn)}"
        elif decision.move == "worked_solution":
            reply = f"You've tried this carefully, so here is a worked solution: {request.solution}"
        elif decision.move == "hint" and decision.hint_index is not None:
            number = decision.hint_index + 1
            reply = f"{_pick(OPENERS[decision.intent], turn)} Hint {number}: {request.hints[decision.hint_index]}"
        elif request.hints_shown >= len(request.hints) and request.hints:
            reply = _pick(OUT_OF_HINTS, turn)
        else:
            reply = _pick(ENCOURAGE_FIRST, turn)
        yield reply
