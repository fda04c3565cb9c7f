"""The demo course file: its concepts, its prerequisite graph, and every item its templates produce.

Pure Python (no database): the course is read with ``yaml.safe_load`` and every template is instantiated
for seeds 0..19 with the same code the app uses, so a failure here is something a student would see.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path

import networkx as nx
import pytest
import sympy
import yaml

from llm.answer_check import AnswerSpec, answer_check
from tutoring.item_templates import ANSWER_KINDS, ItemDraft, template_instantiate
from tutoring.maths_text import maths_plain, maths_segments

COURSE_FILE = Path(__file__).resolve().parents[2] / "tutoring" / "demo" / "course.yaml"
SEEDS = range(20)
ROOTS = {"place-value"}
KEBAB_CASE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Integer answers this small turn up naturally in hints ("divide by 3"), so for them a hint only fails
# when it states the answer outright ("= 3", "the answer is").
SMALL_INTEGER = 12
AWKWARD_NOTATION = {
    "a programming '*' instead of ×": r"\*",
    "'+' followed by a negative number": r"\+\s*-",
    "'-' followed by a bare negative number": r"-\s+-\d",
    "'-(-' without a space": r"-\(-",
    "'×' or '÷' followed by a bare negative number": r"[×÷]\s*-\d",
    "a denominator of 1": r"(?<![\d./])\d+/1(?![\d.])",
    "a coefficient of 0 or 1": r"(?<![\w.])[01][a-z]\b",
    "adding or subtracting zero": r"[+-] 0(?![\d.])",
    "a leftover placeholder brace": r"[{}]",
    "a SymPy name": r"\b(?:Rational|Float|Integer|Symbol|Mod|floor|ceiling|Max|Min|True|False)\b",
    "a long (rounded) decimal": r"\d\.\d{5,}",
    "a mixed number with no whole part": r"(?<![\d./])0 \d+/\d+",
}


@cache
def _course() -> dict:
    return yaml.safe_load(COURSE_FILE.read_text(encoding="utf-8"))


def _templates() -> list[dict]:
    return _course()["templates"]


@cache
def _items(slug: str) -> tuple[ItemDraft, ...]:
    template = next(t for t in _templates() if t["slug"] == slug)
    return tuple(template_instantiate(template, seed=seed) for seed in SEEDS)


def _spec(item: ItemDraft) -> AnswerSpec:
    return AnswerSpec(
        kind=item.answer_kind,
        answer=item.answer,
        tolerance=item.tolerance,
        choices=tuple(item.choices),
        variables=tuple(item.variables),
        form=item.form,
    )


def _token(text: str) -> str:
    """A regex for ``text`` as a standalone value: '3/4' must not match inside '13/4', '3/45' or '3/4.5'."""
    return rf"(?<![\w./]){re.escape(text)}(?![\w/]|\.\d)"


def _answer_forms(item: ItemDraft) -> set[str]:
    """Ways the answer may be written in text: as stored, as a decimal, as a mixed number, as 3x + 2."""
    forms = {item.answer}
    if item.answer_kind == "expression":
        forms.add(re.sub(r"(\d)\*([a-z])", r"\1\2", item.answer))
        return forms
    value = sympy.sympify(item.answer)
    if isinstance(value, sympy.Rational) and not value.is_Integer:
        denominator = value.q
        for prime in (2, 5):
            while denominator % prime == 0:
                denominator //= prime
        if denominator == 1:
            forms.add(format(Decimal(value.p) / Decimal(value.q), "f"))
        if abs(value) > 1:
            whole, rest = divmod(abs(value.p), value.q)
            forms.add(f"{'-' if value < 0 else ''}{whole} {rest}/{value.q}")
    return forms


def _is_small_integer(item: ItemDraft) -> bool:
    if item.answer_kind != "numeric":
        return False
    value = sympy.sympify(item.answer)
    return bool(value.is_Integer) and abs(int(value)) <= SMALL_INTEGER


def _last_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[-1]


def test_course_has_enough_concepts_and_edges():
    course = _course()

    assert course["slug"] == "numbers-to-equations"
    assert course["title"] and course["description"]
    assert len(course["concepts"]) >= 25
    assert len(course["prerequisites"]) >= 35


def test_concepts_have_unique_kebab_case_slugs_a_name_and_a_one_sentence_description():
    concepts = _course()["concepts"]
    slugs = [concept["slug"] for concept in concepts]

    assert len(slugs) == len(set(slugs)), [slug for slug, n in Counter(slugs).items() if n > 1]
    problems = []
    for concept in concepts:
        if not KEBAB_CASE.match(concept["slug"]):
            problems.append(f"{concept['slug']}: slug is not lowercase-kebab-case")
        if not concept.get("name"):
            problems.append(f"{concept['slug']}: no name")
        description = concept.get("description") or ""
        if len(re.findall(r"[.!?](?:\s|$)", description)) != 1 or not description.endswith("."):
            problems.append(f"{concept['slug']}: description is not one sentence: {description!r}")
    assert not problems, "\n".join(problems)


def test_prerequisite_graph_is_acyclic_and_references_known_concepts():
    known = {concept["slug"] for concept in _course()["concepts"]}
    edges = [tuple(edge) for edge in _course()["prerequisites"]]

    unknown = sorted({slug for edge in edges for slug in edge} - known)
    assert not unknown, f"prerequisites name unknown concepts: {unknown}"
    assert all(len(edge) == 2 and edge[0] != edge[1] for edge in edges)
    assert len(edges) == len(set(edges)), [edge for edge, n in Counter(edges).items() if n > 1]
    graph = nx.DiGraph(edges)
    assert nx.is_directed_acyclic_graph(graph), nx.find_cycle(graph)


def test_only_place_value_has_no_prerequisites_and_everything_builds_on_it():
    known = {concept["slug"] for concept in _course()["concepts"]}
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    graph.add_edges_from(tuple(edge) for edge in _course()["prerequisites"])

    roots = {slug for slug in known if graph.in_degree(slug) == 0}
    assert roots == ROOTS
    assert nx.descendants(graph, "place-value") == known - ROOTS


def test_every_concept_has_at_least_four_templates():
    known = {concept["slug"] for concept in _course()["concepts"]}
    unknown = sorted({slug for template in _templates() for slug in template["concepts"]} - known)
    assert not unknown, f"templates name unknown concepts: {unknown}"

    main_concepts = Counter(template["concepts"][0] for template in _templates())
    too_few = {slug: main_concepts[slug] for slug in known if main_concepts[slug] < 4}
    assert not too_few, f"concepts with fewer than four templates: {too_few}"


def test_template_slugs_are_unique_and_kinds_and_difficulties_are_valid():
    slugs = [template["slug"] for template in _templates()]
    assert len(slugs) == len(set(slugs)), [slug for slug, n in Counter(slugs).items() if n > 1]

    problems = []
    for template in _templates():
        slug = template["slug"]
        if not KEBAB_CASE.match(slug):
            problems.append(f"{slug}: slug is not lowercase-kebab-case")
        if template["answer_kind"] not in ANSWER_KINDS:
            problems.append(f"{slug}: unknown answer_kind {template['answer_kind']!r}")
        if not -2.5 <= float(template["difficulty"]) <= 2.5:
            problems.append(f"{slug}: difficulty {template['difficulty']} is off the -2..+2 logit scale")
        if ("choices" in template) != (template["answer_kind"] == "choice"):
            problems.append(f"{slug}: choices belong to (and only to) choice templates")
        if template["answer_kind"] == "expression" and not template.get("variables"):
            problems.append(f"{slug}: an expression template must declare its variables")
        if len(template["hints"]) < 2:
            problems.append(f"{slug}: needs at least two hints")
    assert not problems, "\n".join(problems)


def test_tolerance_is_only_used_for_questions_that_ask_for_rounding():
    loose = [
        template["slug"]
        for template in _templates()
        if float(template.get("tolerance", 0)) > 0 and "round" not in template["prompt"].lower()
    ]
    assert not loose, f"templates with a tolerance whose prompt does not ask for rounding: {loose}"


@pytest.mark.slow  # every template of the demo course, over many seeds
def test_every_template_instantiates_for_many_seeds():
    problems = []
    for template in _templates():
        try:
            items = _items(template["slug"])
        except Exception as error:  # noqa: BLE001 - report every broken template at once
            problems.append(f"{template['slug']}: {error}")
            continue
        for seed, item in zip(SEEDS, items, strict=True):
            verdict = answer_check(spec=_spec(item), response=item.answer)
            if not verdict.correct:
                problems.append(f"{template['slug']} seed {seed}: its own answer {item.answer!r} is marked wrong")
    assert not problems, "\n".join(problems)


@pytest.mark.slow  # every template of the demo course, over many seeds
def test_templates_produce_varied_items():
    samey = {template["slug"]: len({item.prompt for item in _items(template["slug"])}) for template in _templates()}
    samey = {slug: n for slug, n in samey.items() if n < 3}
    assert not samey, f"templates with fewer than 3 distinct prompts over {len(SEEDS)} seeds: {samey}"


def test_correct_choice_is_not_always_in_the_same_position():
    stuck = []
    for template in _templates():
        if template["answer_kind"] != "choice":
            continue
        positions = {item.choices.index(item.answer) for item in _items(template["slug"])}
        if len(positions) < 2:
            stuck.append(template["slug"])
    assert not stuck, f"choice templates whose correct option never moves: {stuck}"


def test_choice_items_offer_distinct_options():
    problems = []
    for template in _templates():
        if template["answer_kind"] != "choice":
            continue
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            values = [sympy.nsimplify(sympy.sympify(choice)) for choice in item.choices]
            if len(set(values)) != len(values):
                problems.append(f"{template['slug']} seed {seed}: options repeat a value: {item.choices}")
    assert not problems, "\n".join(problems)


def test_hints_never_state_the_answer():
    problems = []
    for template in _templates():
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            forms = _answer_forms(item)
            strict = item.answer_kind != "choice" and not _is_small_integer(item)
            for hint in item.hints:
                for form in forms:
                    # A value the prompt already shows (e.g. 'write 0.75 as a fraction') may be repeated.
                    if strict and not re.search(_token(form), item.prompt):
                        leaked = re.search(_token(form), hint)
                    else:
                        leaked = re.search(r"(?:=|\banswer is)\s*" + _token(form), hint, flags=re.IGNORECASE)
                    if leaked:
                        problems.append(f"{template['slug']} seed {seed}: hint gives away {form!r}: {hint!r}")
    assert not problems, "\n".join(problems)


def test_every_item_has_at_least_two_different_hints():
    problems = []
    for template in _templates():
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            if len(set(item.hints)) < 2 or any(len(hint.split()) < 3 for hint in item.hints):
                problems.append(f"{template['slug']} seed {seed}: hints repeat or are too short: {item.hints}")
    assert not problems, "\n".join(problems)


def test_every_template_has_a_worked_solution_ending_with_the_answer():
    problems = []
    for template in _templates():
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            last = _last_sentence(item.solution)
            if not any(re.search(_token(form), last) for form in _answer_forms(item)):
                problems.append(
                    f"{template['slug']} seed {seed}: last sentence {last!r} does not give "
                    f"the answer {sorted(_answer_forms(item))}"
                )
    assert not problems, "\n".join(problems)


def test_wrong_answers_are_marked_wrong():
    problems = []
    for template in _templates():
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            if item.answer_kind == "choice":
                wrong_responses = [choice for choice in item.choices if choice != item.answer]
            else:
                wrong_responses = [f"({item.answer}) + 1"]
            for response in wrong_responses:
                if answer_check(spec=_spec(item), response=response).correct:
                    problems.append(f"{template['slug']} seed {seed}: wrong answer {response!r} is marked correct")
    assert not problems, "\n".join(problems)


def test_rendered_text_has_no_awkward_notation():
    problems = []
    for template in _templates():
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            for text in (item.prompt, *item.hints, item.solution):
                for what, pattern in AWKWARD_NOTATION.items():
                    if re.search(pattern, maths_plain(text)):
                        problems.append(f"{template['slug']} seed {seed}: {what} in {text!r}")
    assert not problems, "\n".join(problems)


# A fraction (3/4, x/5) or a term in x or y (3x, x^2) in prose rather than in a maths span is shown untypeset.
UNMARKED_MATHS = re.compile(r"(?<![\w/.])(?:(?:\d+|[xy])/\d+|\d*[xy](?:\^\d+)?)(?![\w/'])")


def _texts(item: ItemDraft) -> list[str]:
    return [item.prompt, *item.hints, item.solution, *(wrong["feedback"] for wrong in item.wrong_answers),
            *(step["prompt"] for step in item.steps), *(step["hint"] for step in item.steps)]


def test_fractions_and_algebra_in_course_text_are_marked_as_maths():
    problems = []
    for template in _templates():
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            for text in _texts(item):
                prose = " ".join(segment.text for segment in maths_segments(text) if not segment.is_maths)
                if unmarked := UNMARKED_MATHS.search(prose):
                    problems.append(f"{template['slug']} seed {seed}: {unmarked.group(0)!r} is not marked in {text!r}")
    assert not problems, "\n".join(problems[:20])


def test_every_numeric_and_expression_template_says_how_its_answer_is_written():
    formless = [t["slug"] for t in _templates() if t["answer_kind"] != "choice" and "form" not in t]
    assert not formless, f"templates that accept any writing of the value: {formless}"


QUESTION = re.compile(r"^(?:Work out|Expand and simplify|Expand|Simplify) (.+)\.$")


def test_typing_the_question_back_is_never_taken_as_the_answer():
    asked = 0
    problems = []
    for template in _templates():
        for seed, item in zip(SEEDS, _items(template["slug"]), strict=True):
            question = QUESTION.match(maths_plain(item.prompt))
            if question is None or item.answer_kind == "choice":
                continue
            asked += 1
            typed = question.group(1).replace("×", "*").replace("÷", "/")
            verdict = answer_check(spec=_spec(item), response=typed)
            if not verdict.form_missed or "Right value" not in verdict.message:
                problems.append(f"{template['slug']} seed {seed}: {typed!r} got {verdict}")
    assert asked >= 200 and not problems, "\n".join(problems)
