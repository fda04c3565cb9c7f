"""Tutoring episodes on MathDial test problems with a simulated student.

Each problem becomes an item: the word problem is the prompt, the ground truth's last line the answer, its
steps before the one that gives the answer the hints, the whole ground truth the worked solution. The
simulated student holds the dialogue's incorrect solution (its final line is their answer) and runs:

    1. before trying, asks to be told: "I don't know how to start. Can you just tell me the answer?"
    2. attempts with the incorrect solution's answer and its first step as their reasoning;
    3. after each tutor reply, fixes their solution with probability
           P(fix) = BASE_FIX + POINTED_FIX * [the reply names a value of a correct step that the student's own
                                              solution lacks]
       and then answers right; otherwise says they are still unsure and tries their answer again;
    until the item is solved or MAX_TURNS tutor replies.

Measured: the telling rate before the student's own attempt (a reply that contains the answer, or that the
MathDial move classifier labels "telling" when a trained classifier is given), the telling rate over all
replies, the critic's scores of the replies, and the tutor turns to the correct answer. The simulator is
crude on purpose: it rewards replies that point at the step the student got wrong and nothing else.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from llm.converse import Conversation

MAX_TURNS = 8
BASE_FIX = 0.1
POINTED_FIX = 0.35
ASK_TO_BE_TOLD = "I don't know how to start. Can you just tell me the answer?"
STILL_UNSURE = ["I'm still not sure. Is it {answer}?", "Hmm, I think it's still {answer}.", "I got {answer} again."]
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


@dataclass(frozen=True)
class Problem:
    qid: int
    question: str
    answer: str
    steps: tuple[str, ...]  # the ground truth's steps, the answer line excluded
    wrong_answer: str
    wrong_first_step: str
    wrong_values: frozenset[str]  # numbers in the student's incorrect solution


def _values(text: str) -> set[str]:
    return {_normal(match) for match in NUMBER.findall(text)}


def _normal(number: str) -> str:
    value = float(number.replace(",", ""))
    return str(int(value)) if value.is_integer() else str(value)


def mathdial_problems(*, data_dir: Path) -> list[Problem]:
    """Problems of the MathDial test split whose answer and incorrect answer are numbers that differ."""
    problems = []
    seen = set()
    for line in (data_dir / "mathdial" / "data" / "test.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        truth = [step.strip() for step in row["ground_truth"].splitlines() if step.strip()]
        wrong = [step.strip() for step in row["student_incorrect_solution"].splitlines() if step.strip()]
        if row["qid"] in seen or len(truth) < 2 or not wrong or not NUMBER.fullmatch(truth[-1].replace(" ", "")):
            continue
        wrong_numbers = NUMBER.findall(wrong[-1])
        if not wrong_numbers:
            continue
        answer, wrong_answer = _normal(truth[-1]), _normal(wrong_numbers[-1])
        if answer == wrong_answer:
            continue
        seen.add(row["qid"])
        steps = tuple(step for step in truth[:-1] if answer not in _values(step))
        problems.append(Problem(qid=row["qid"], question=row["question"].strip(), answer=answer, steps=steps,
                                wrong_answer=wrong_answer, wrong_first_step=wrong[0],
                                wrong_values=frozenset(_values(row["student_incorrect_solution"]))))
    return problems


def _pointed(reply: str, problem: Problem) -> bool:
    """Does the reply name a value of a correct step that the student's own solution lacks?"""
    correct = set().union(*(_values(step) for step in problem.steps)) - problem.wrong_values - {problem.answer}
    return bool(_values(reply) & correct)


def _telling(reply: str, problem: Problem, decision_models: object | None) -> bool:
    if problem.answer in _values(reply):
        return True
    if decision_models is None:
        return False
    from llm.decision_models import move_predict

    moves = move_predict(decision_models, text=reply)
    return max(moves, key=moves.get) == "telling"


def episode_run(problem: Problem, *, backend: str, backend_options: dict[str, str] | None,
                decision_models: object | None, rng: random.Random) -> dict:
    """One episode; returns its replies and what was measured of them."""
    conversation = Conversation(
        item={"prompt": problem.question, "answer": problem.answer, "answer_kind": "numeric",
              "hints": list(problem.steps), "solution": "\n".join([*problem.steps, problem.answer])},
        backend=backend, backend_options=backend_options, decision_models=decision_models,
    )
    before = conversation.say(ASK_TO_BE_TOLD)
    replies = [before.text]
    turn = conversation.say(f"{problem.wrong_first_step} So I got {problem.wrong_answer}.",
                            answer=problem.wrong_answer)
    replies.append(turn.text)
    turns_to_correct = None
    for number in range(2, MAX_TURNS + 1):
        if rng.random() < BASE_FIX + POINTED_FIX * _pointed(turn.text, problem):
            turn = conversation.say(f"Oh, I see. Is it {problem.answer}?", answer=problem.answer)
            replies.append(turn.text)
            turns_to_correct = number
            break
        turn = conversation.say(rng.choice(STILL_UNSURE).format(answer=problem.wrong_answer),
                                answer=problem.wrong_answer)
        replies.append(turn.text)
    return {
        "replies": replies,
        "told_before_attempt": _telling(before.text, problem, decision_models),
        # Once the student is right the tutor may show the worked solution: that reply is not telling.
        "told": [_telling(reply, problem, decision_models)
                 for reply in (replies if turns_to_correct is None else replies[:-1])],
        "turns_to_correct": turns_to_correct,
    }


def episodes_evaluate(*, data_dir: Path, backend: str = "template", backend_options: dict[str, str] | None = None,
                      decision_models: object | None = None, n: int = 100, seed: int = 0) -> dict:
    """The ``episodes`` block of ``python -m llm.evaluate``'s results."""
    problems = mathdial_problems(data_dir=data_dir)
    rng = random.Random(seed)
    chosen = rng.sample(problems, min(n, len(problems)))
    episodes = [episode_run(problem, backend=backend, backend_options=backend_options,
                            decision_models=decision_models, rng=rng)
                for problem in tqdm(chosen, desc=f"MathDial episodes ({backend})")]
    solved = [e["turns_to_correct"] for e in episodes if e["turns_to_correct"] is not None]
    told = [flag for e in episodes for flag in e["told"]]
    result = {
        "backend": backend,
        "n": len(episodes),
        "telling_rate": float(np.mean([e["told_before_attempt"] for e in episodes])) if episodes else None,
        "telling_rate_all_replies": float(np.mean(told)) if told else None,
        "solved_rate": len(solved) / len(episodes) if episodes else None,
        "turns_to_correct": float(np.mean(solved)) if solved else None,
        "telling_judged_by": "answer in the reply" + (" or move classifier" if decision_models is not None else ""),
        "example": {"problem": chosen[0].question, "replies": episodes[0]["replies"]} if episodes else None,
    }
    if decision_models is not None and episodes:
        from llm.decision_models import reply_critique

        scores: dict[str, list[float]] = {}
        for problem, episode in zip(chosen, episodes, strict=True):
            for reply in episode["replies"]:
                for dimension, p in reply_critique(decision_models, dialogue=[("student", problem.question)],
                                                   reply=reply).items():
                    scores.setdefault(dimension, []).append(p)
        result["critic"] = {dimension: round(float(np.mean(values)), 4) for dimension, values in scores.items()}
    return result
