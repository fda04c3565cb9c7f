"""Try an item's tutoring without the web app, or script it.

    python -m llm.converse --item ITEM.json [--backend template|transformers|openai] [--models DIR]

ITEM.json = {"prompt": ..., "answer": ..., "answer_kind": "numeric|expression|choice", "hints": [...],
"solution": "...", "concepts": [...]} (optional: "choices", "tolerance", "variables", "telling").
Standard input carries one JSON object per line, {"student": "..."}; a line may also carry {"answer": "..."},
an attempt that is checked as the web app checks it. Each turn writes one JSON line,
{"tutor": "...", "trace": {...}}, to standard output; a line that cannot be read gets {"error": "..."}.
The turn goes through the same Diagnostician -> Planner -> Tutor -> guard path as the web chat, with an
empty learner history.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from llm.agents.diagnostician import Attempt
from llm.answer_check import AnswerFormatError, AnswerSpec, answer_check
from llm.backends.generative import generative_options
from llm.tutor import TutorRequest, TutorTurn, tutor_turn

REQUIRED = {"prompt": str, "answer": str, "answer_kind": str}
OPTIONAL = {"hints": list, "solution": str, "concepts": list, "choices": list, "tolerance": (int, float),
            "variables": list, "telling": str}


class ItemFileError(ValueError):
    """ITEM.json cannot be used; the message says why."""


def item_read(path: Path) -> dict[str, Any]:
    try:
        item = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ItemFileError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise ItemFileError(f"{path} is not JSON: {error.msg} (line {error.lineno})") from error
    if not isinstance(item, dict):
        raise ItemFileError(f"{path} must hold one JSON object")
    problems = [f'"{key}" is missing' for key in REQUIRED if key not in item]
    for key, kind in {**REQUIRED, **OPTIONAL}.items():
        if key in item and not isinstance(item[key], kind):
            problems.append(f'"{key}" has the wrong type')
    if item.get("answer_kind") not in (None, "numeric", "expression", "choice"):
        problems.append('"answer_kind" must be numeric, expression or choice')
    if item.get("telling", "hints") not in ("hints", "solution"):
        problems.append('"telling" must be hints or solution')
    if problems:
        raise ItemFileError(f"{path}: " + "; ".join(problems))
    return item


class Conversation:
    """One student talking with the tutor about one item, turn by turn, with no learner history."""

    def __init__(self, *, item: dict[str, Any], backend: str, backend_options: dict[str, str] | None = None,
                 decision_models: object | None = None):
        self.spec = AnswerSpec(kind=item["answer_kind"], answer=item["answer"],
                               tolerance=float(item.get("tolerance", 0)), choices=tuple(item.get("choices", ())),
                               variables=tuple(item.get("variables", ())))
        self.request = TutorRequest(
            item_prompt=item["prompt"], hints=tuple(item.get("hints", ())), solution=item.get("solution", ""),
            hints_shown=0, attempts=0, solved=False, student_text="", telling=item.get("telling", "hints"),
            answer_kind=item["answer_kind"], answer_key=item["answer"], concept_names=tuple(item.get("concepts", ())),
        )
        self.backend, self.backend_options, self.decision_models = backend, backend_options or {}, decision_models

    def say(self, student: str = "", *, answer: str | None = None) -> TutorTurn:
        """The tutor's whole turn in reply. ``answer`` is an attempt, checked first (AnswerFormatError: unreadable)."""
        request = self.request
        if answer is not None:
            verdict = answer_check(spec=self.spec, response=answer)
            request = replace(request, attempts=request.attempts + 1, solved=request.solved or verdict.correct,
                              last_attempt=Attempt(answer=answer, correct=verdict.correct, feedback=verdict.message))
            student = student or answer
        if not student:
            raise ValueError('the line has neither "student" nor "answer"')
        request = replace(request, student_text=student)
        turn = tutor_turn(request, backend=self.backend, backend_options=self.backend_options,
                          decision_models=self.decision_models)
        for _ in turn.chunks():
            pass
        self.request = replace(
            request, turn=request.turn + 1, hints_shown=turn.hints_shown,
            tells_used=request.tells_used + int(turn.plan.intervene),
            dialogue=(*request.dialogue, ("student", student), ("tutor", turn.text)),
        )
        return turn


def converse(*, conversation: Conversation, lines: TextIO, out: TextIO) -> None:
    """Answer each JSON line of ``lines`` with one JSON line on ``out``."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            if not isinstance(message, dict) or not isinstance(message.get("student", ""), str):
                raise ValueError('each line must be an object like {"student": "..."}')
            answer = message.get("answer")
            turn = conversation.say(message.get("student", ""), answer=None if answer is None else str(answer))
        except (ValueError, AnswerFormatError) as error:
            print(json.dumps({"error": f"line {number}: {error}"}), file=out, flush=True)
            continue
        print(json.dumps({"tutor": turn.text, "trace": turn.trace}), file=out, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm.converse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--item", type=Path, required=True, help="the item, as JSON")
    parser.add_argument("--backend", choices=("template", "transformers", "openai"), default="template")
    parser.add_argument("--models", type=Path, default=None,
                        help="trained decision models (python -m llm.evaluate.train_decisions); rules when absent")
    args = parser.parse_args(argv)
    try:
        item = item_read(args.item)
    except ItemFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    decision_models = None
    if args.models is not None:
        from llm.decision_models import DecisionModelsOutdated, decision_models_load

        try:
            decision_models = decision_models_load(root=args.models)
        except DecisionModelsOutdated as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if decision_models is None:
            print(f"error: no trained decision models under {args.models}", file=sys.stderr)
            return 2
    options = generative_options(os.environ)
    conversation = Conversation(item=item, backend=args.backend, backend_options=options,
                                decision_models=decision_models)
    converse(conversation=conversation, lines=sys.stdin, out=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
