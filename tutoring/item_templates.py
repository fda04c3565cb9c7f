"""Parameterized item templates: draw parameters, compute the answer with SymPy, render the text.

A template is plain data (it comes from a course file or the database)::

    {"slug": "add-like-fractions", "concepts": ["fraction-addition"], "difficulty": -0.5,
     "answer_kind": "numeric",
     "params": {"a": {"randint": [1, 5]}, "d": {"choice": [6, 8, 10]}},
     "where": ["a < d"],                      # resampled until every condition holds
     "derived": {"s": "Rational(a, d) * 2"},  # SymPy expressions over the params
     "prompt": "What is {a}/{d} + {a}/{d}?",
     "answer": "2 * Rational(a, d)",          # SymPy expression over params and derived values
     "form": "lowest-terms",                  # how the student must write it (below)
     "hints": ["...", "..."], "solution": "... so the answer is {answer}.",
     "wrong_answers": [                       # common wrong answers, each with feedback that names the mistake
         {"answer": "Rational(a, d)", "feedback": "You added only one of them.",
          "error": "careless", "concept": "fraction-addition"}, ...],   # error and concept are optional
     "steps": [                               # a scaffold: 2-4 checked sub-questions, the last one's answer is
         {"prompt": "What is {a}/{d} doubled?", "answer": "2 * Rational(a, d)",   # the template's answer
          "hint": "...", "answer_kind": "numeric"}, ...]}                         # hint, answer_kind optional

A wrong answer must differ from the right answer on every draw and from the other wrong answers; in a choice
template it is one of the distractors. Templates without the two blocks still read (``course_file_check``
requires them of a course file).

``form`` (numeric and expression templates; left out, any way of writing the value is right) is the form the
answer must take, so that "Work out 39 × 28." is not answered by typing 39*28. A right value in another form is
neither right nor wrong: the student is asked to rewrite it. In the course file::

    form: number          # one number: 1092, -2.5, 3/4 (a fraction only when the value is not whole), 7 1/5
    form: lowest-terms    # an integer or a fraction in lowest terms: 3/4, not 6/8 or 0.75
    form: {decimal: 2}    # an integer or a decimal with at most 2 digits after the point: 8.55
    form: expanded        # no brackets, like terms collected: 7x + 35
    form: factored        # a number times irreducible factors: 3(2x + 3), (x + 2)(x + 3)
    form: simplified      # like terms collected, expanded or factored: 11x + 7

The first three are for numeric answers, the others for expressions (``llm.answer_forms`` says exactly what each
accepts). The item's key is written in the form (0.07 rather than 7/100 for a decimal), and every item drawn must
satisfy its form: a template whose answer cannot (2/3 to two decimal places) is refused.

A choice template offers at least four choices, so that guessing pays little.

Maths in the texts (prompt, hints, solution, feedback, step prompts and hints) is marked with backticks and written
as a student would type it, so that it reads well as plain text and the practice page can typeset it (KaTeX)::

    prompt: "What is `{a}/{d} + {b}/{d}`?"            # shown as stacked fractions; "$" stays money: "saved ${a}"
    prompt: "Expand `{a}(x + {b})`."                  # 3/4, x^2, (x + 1)/2, 2^(n + 1), 7 1/5, ×, ÷, =

``tutoring.maths_text`` reads the spans (its docstring has the notation); a text whose maths it cannot read is
refused like any other broken template. Choices and answer keys are answers, not text: no backticks there.

Expressions are written by course authors (trusted), never by students; student answers go through
``llm.answer_check``, which reads them with the restricted grammar of ``llm.mathtext``.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from tokenize import TokenError
from types import CodeType
from typing import Any

import sympy
from sympy.parsing.sympy_parser import standard_transformations, stringify_expr

from llm.answer_check import AnswerFormatError, AnswerSpec, answer_check
from llm.answer_forms import AnswerForm, FormSpecError, form_from_course, form_render
from llm.labels import BRIDGE_ERROR_TYPES
from tutoring.maths_text import MathsTextError, maths_segments

ANSWER_KINDS = ("numeric", "expression", "choice")
MIN_CHOICES = 4
MAX_DRAWS = 500
MIN_WRONG_ANSWERS = 2
MIN_STEPS, MAX_STEPS = 2, 4


class TemplateError(ValueError):
    """A template that cannot produce a valid item; the message names the template and the problem."""


@dataclass(frozen=True)
class ItemDraft:
    """One concrete item produced from a template, ready to be stored."""

    template_slug: str
    params: dict[str, int | str]
    prompt: str
    answer_kind: str
    answer: str  # SymPy-parsable text of the correct answer (for choice: the correct choice's text)
    tolerance: float
    choices: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    solution: str = ""
    form: str = ""  # the form the answer must take (``AnswerForm.text``), "" for any
    # {"answer": key text (for choice: the distractor's text), "feedback": text, "error": label or "",
    #  "concept": slug or ""}
    wrong_answers: list[dict[str, str]] = field(default_factory=list)
    # {"prompt": text, "answer": key text, "answer_kind": kind, "choices": [text], "hint": text or ""}
    steps: list[dict[str, Any]] = field(default_factory=list)


def _draw_param(spec: dict[str, Any], rng: random.Random) -> int | str:
    if "randint" in spec:
        low, high = spec["randint"]
        return rng.randint(int(low), int(high))
    if "choice" in spec:
        return rng.choice(list(spec["choice"]))
    raise TemplateError(f"parameter spec {spec!r} needs 'randint: [low, high]' or 'choice: [...]'")


def _sympy_namespace(values: dict[str, Any]) -> dict[str, Any]:
    namespace = {name: sympy.sympify(value) for name, value in values.items()}
    for variable in "xyzn":
        namespace.setdefault(variable, sympy.Symbol(variable))
    return namespace


_SYMPY_GLOBALS: dict[str, Any] = {}
exec("from sympy import *", _SYMPY_GLOBALS)  # the names course authors may use, as sympify offers them


@functools.lru_cache(maxsize=4096)
def _compiled(expression: str, names: tuple[str, ...]) -> CodeType:
    """SymPy's parser turns the text into Python once; drawing parameters then only evaluates it."""
    code = stringify_expr(expression, dict.fromkeys(names), _SYMPY_GLOBALS, standard_transformations)
    return compile(code, "<template>", "eval")


def _evaluate(expression: str, namespace: dict[str, Any], *, template: str) -> Any:
    try:
        return eval(_compiled(expression, tuple(sorted(namespace))), _SYMPY_GLOBALS, dict(namespace))  # noqa: S307
    except (sympy.SympifyError, TypeError, ZeroDivisionError, SyntaxError, NameError, TokenError) as error:
        raise TemplateError(f"template {template!r}: cannot evaluate {expression!r}: {error}") from error


def format_value(value: Any) -> str:
    """Render a SymPy value as a student would write it: 3/4, 2.5, 3*x + 2."""
    value = sympy.nsimplify(value) if isinstance(value, sympy.Float) and value == int(value) else value
    if isinstance(value, sympy.Float):
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
        return text or "0"
    return sympy.sstr(value)


def _render(text: str, values: dict[str, Any], *, template: str) -> str:
    try:
        rendered = text.format(**{name: format_value(value) for name, value in values.items()})
    except (KeyError, IndexError, ValueError) as error:
        raise TemplateError(f"template {template!r}: cannot fill {text!r}: {error}") from error
    try:
        maths_segments(rendered)
    except MathsTextError as error:
        raise TemplateError(f"template {template!r}: {error}") from error
    return rendered


def template_validate(template: dict[str, Any]) -> None:
    """Check the fields a template must have; raise TemplateError naming what is wrong."""
    slug = template.get("slug") or "<unnamed>"
    for required in ("slug", "concepts", "answer_kind", "prompt", "answer", "hints", "solution"):
        if not template.get(required):
            raise TemplateError(f"template {slug!r}: missing {required!r}")
    if template["answer_kind"] not in ANSWER_KINDS:
        raise TemplateError(f"template {slug!r}: answer_kind must be one of {', '.join(ANSWER_KINDS)}")
    if template["answer_kind"] == "choice" and len(template.get("choices", [])) < MIN_CHOICES:
        raise TemplateError(f"template {slug!r}: a choice template needs at least {MIN_CHOICES} choices")
    _template_form(template)
    if len(template["hints"]) < 2:
        raise TemplateError(f"template {slug!r}: needs at least two hints")
    for section in ("params", "derived"):
        for name in template.get(section) or {}:
            if not (isinstance(name, str) and name.isidentifier()):
                raise TemplateError(f"template {slug!r}: {section} name {name!r} is not a valid name "
                                    "(YAML reads bare on/off/yes/no as true/false: quote it or rename it)")
    if "wrong_answers" in template:
        _wrong_answers_validate(template, slug=slug)
    if "steps" in template:
        _steps_validate(template, slug=slug)


def _wrong_answers_validate(template: dict[str, Any], *, slug: str) -> None:
    wrong_answers = template["wrong_answers"]
    if not isinstance(wrong_answers, list) or len(wrong_answers) < MIN_WRONG_ANSWERS:
        raise TemplateError(f"template {slug!r}: needs at least {MIN_WRONG_ANSWERS} common wrong answers")
    for wrong in wrong_answers:
        if not (isinstance(wrong, dict) and wrong.get("answer") and wrong.get("feedback")):
            raise TemplateError(f"template {slug!r}: every wrong answer needs 'answer' and 'feedback'")
        if wrong.get("error", "") and wrong["error"] not in BRIDGE_ERROR_TYPES:
            raise TemplateError(f"template {slug!r}: wrong answer {wrong['answer']!r} has error {wrong['error']!r}, "
                                f"not one of {', '.join(BRIDGE_ERROR_TYPES)}")


def _steps_validate(template: dict[str, Any], *, slug: str) -> None:
    steps = template["steps"]
    if not isinstance(steps, list) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise TemplateError(f"template {slug!r}: needs {MIN_STEPS} to {MAX_STEPS} steps")
    for number, step in enumerate(steps, start=1):
        if not (isinstance(step, dict) and step.get("prompt") and step.get("answer")):
            raise TemplateError(f"template {slug!r}: step {number} needs 'prompt' and 'answer'")
        kind = step.get("answer_kind", "numeric")
        if kind not in ANSWER_KINDS:
            raise TemplateError(f"template {slug!r}: step {number}'s answer_kind must be one of "
                                f"{', '.join(ANSWER_KINDS)}")
        if kind == "choice" and len(step.get("choices", [])) < 2:
            raise TemplateError(f"template {slug!r}: step {number} is a choice and needs at least two choices")


def _same_value(left: Any, right: Any) -> bool:
    return sympy.simplify(left - right) == 0


def _draw_text(params: dict[str, int | str]) -> str:
    return ", ".join(f"{name}={value}" for name, value in params.items())


def _choice_matching(choices: list[str], value: Any, namespace: dict[str, Any], *, template: str) -> list[str]:
    return [c for c in choices if _same_value(_evaluate(c, namespace, template=template), value)]


def _key_text(kind: str, value: Any, *, what: str, template: str) -> str:
    value = sympy.sympify(value)
    if kind == "numeric" and not value.is_number:
        raise TemplateError(f"template {template!r}: {what} {value} is not a number")
    return format_value(value)


def _template_form(template: dict[str, Any]) -> AnswerForm | None:
    """The form the template's answers must take, or None when it names none; TemplateError when it names one that
    does not exist or does not fit its kind of answer."""
    if "form" not in template:
        return None
    slug, kind = template.get("slug") or "<unnamed>", template["answer_kind"]
    try:
        form = form_from_course(template["form"])
    except FormSpecError as error:
        raise TemplateError(f"template {slug!r}: {error}") from error
    if kind == "choice" or form.for_expressions != (kind == "expression"):
        raise TemplateError(f"template {slug!r}: form {form.text!r} does not fit a {kind} answer")
    return form


def _answer_form_check(template: dict[str, Any], *, answer_text: str, form: AnswerForm, params: dict) -> None:
    """TemplateError unless the answer checker takes the template's own answer as right in its form."""
    slug = template["slug"]
    spec = AnswerSpec(kind=template["answer_kind"], answer=answer_text, variables=tuple(template.get("variables", [])),
                      form=form.text)
    try:
        written_as_asked = answer_check(spec=spec, response=answer_text).correct
    except AnswerFormatError as error:
        raise TemplateError(f"template {slug!r}: its answer {answer_text} cannot be read: {error}") from error
    if not written_as_asked:
        raise TemplateError(f"template {slug!r}: its answer {answer_text} (parameters {params}) cannot be written "
                            f"{form.phrase}")


def template_instantiate(template: dict[str, Any], *, seed: int) -> ItemDraft:
    """Draw parameters (seeded, so the same seed gives the same item) and build the item."""
    template_validate(template)
    slug = template["slug"]
    form = _template_form(template)
    rng = random.Random(f"{slug}:{seed}")
    for _ in range(MAX_DRAWS):
        params = {name: _draw_param(spec, rng) for name, spec in template.get("params", {}).items()}
        namespace = _sympy_namespace(params)
        for name, expression in template.get("derived", {}).items():
            namespace[name] = _evaluate(str(expression), namespace, template=slug)
        if all(bool(_evaluate(str(condition), namespace, template=slug)) for condition in template.get("where", [])):
            break
    else:
        raise TemplateError(f"template {slug!r}: no parameters satisfied 'where' in {MAX_DRAWS} draws")

    answer_value = _evaluate(str(template["answer"]), namespace, template=slug)
    text_values = {**namespace, "answer": answer_value}
    kind = template["answer_kind"]
    choices: list[str] = []
    if kind == "choice":
        choices = [_render(str(choice), text_values, template=slug) for choice in template["choices"]]
        matching = _choice_matching(choices, answer_value, namespace, template=slug)
        if len(matching) != 1:
            raise TemplateError(f"template {slug!r}: exactly one choice must equal the answer, got {matching}")
        answer_text = matching[0]
    else:
        answer_text = _key_text(kind, answer_value, what="numeric answer", template=slug)
        if form is not None:
            answer_text = form_render(form, answer_value) or answer_text
            _answer_form_check(template, answer_text=answer_text, form=form, params=params)
    draw = _Draw(slug=slug, params=params, namespace=namespace, text_values=text_values, answer_value=answer_value)
    return ItemDraft(
        template_slug=slug,
        params=params,
        prompt=_render(str(template["prompt"]), text_values, template=slug),
        answer_kind=kind,
        answer=answer_text,
        tolerance=float(template.get("tolerance", 0)),
        choices=choices,
        variables=list(template.get("variables", [])),
        hints=[_render(str(hint), text_values, template=slug) for hint in template["hints"]],
        solution=_render(str(template["solution"]), text_values, template=slug),
        form=form.text if form is not None else "",
        wrong_answers=_wrong_answers_render(template.get("wrong_answers", []), draw, kind=kind, choices=choices),
        steps=_steps_render(template.get("steps", []), draw),
    )


@dataclass(frozen=True)
class _Draw:
    """One draw of a template's parameters, with everything its texts and keys are computed from."""

    slug: str
    params: dict[str, int | str]
    namespace: dict[str, Any]
    text_values: dict[str, Any]
    answer_value: Any

    def evaluate(self, expression: Any) -> Any:
        return _evaluate(str(expression), self.namespace, template=self.slug)

    def render(self, text: Any) -> str:
        return _render(str(text), self.text_values, template=self.slug)

    def refuse(self, problem: str) -> TemplateError:
        return TemplateError(f"template {self.slug!r}: {problem} (for {_draw_text(self.params)})")


def _wrong_answers_render(specs: list[dict[str, Any]], draw: _Draw, *, kind: str,
                          choices: list[str]) -> list[dict[str, str]]:
    """The common wrong answers of this draw: each differs from the right answer and from the others, and in a
    choice item is one of the distractors."""
    rendered: list[dict[str, str]] = []
    values: list[tuple[str, Any]] = []
    for spec in specs:
        expression = str(spec["answer"])
        value = draw.evaluate(expression)
        if _same_value(value, draw.answer_value):
            raise draw.refuse(f"wrong answer {expression!r} equals the right answer")
        for other, other_value in values:
            if _same_value(value, other_value):
                raise draw.refuse(f"wrong answers {other!r} and {expression!r} are equal")
        values.append((expression, value))
        if kind == "choice":
            matching = _choice_matching(choices, value, draw.namespace, template=draw.slug)
            if not matching:
                raise draw.refuse(f"wrong answer {expression!r} is none of the choices")
            text = matching[0]
        else:
            text = _key_text(kind, value, what=f"wrong answer {expression!r}", template=draw.slug)
        rendered.append({"answer": text, "feedback": draw.render(spec["feedback"]),
                         "error": str(spec.get("error", "")), "concept": str(spec.get("concept", ""))})
    return rendered


def _steps_render(specs: list[dict[str, Any]], draw: _Draw) -> list[dict[str, Any]]:
    """The steps of this draw, each with its key; the last step's answer is the item's answer."""
    rendered: list[dict[str, Any]] = []
    for number, spec in enumerate(specs, start=1):
        value = draw.evaluate(spec["answer"])
        kind = spec.get("answer_kind", "numeric")
        choices: list[str] = []
        if kind == "choice":
            choices = [draw.render(choice) for choice in spec["choices"]]
            matching = _choice_matching(choices, value, draw.namespace, template=draw.slug)
            if len(matching) != 1:
                raise draw.refuse(f"exactly one choice of step {number} must equal its answer, got {matching}")
            text = matching[0]
        else:
            text = _key_text(kind, value, what=f"step {number}'s answer", template=draw.slug)
        rendered.append({"prompt": draw.render(spec["prompt"]), "answer": text, "answer_kind": kind,
                         "choices": choices, "hint": draw.render(spec["hint"]) if spec.get("hint") else ""})
    if specs and not _same_value(value, draw.answer_value):
        raise draw.refuse(f"the last step's answer {str(specs[-1]['answer'])!r} differs from the template's answer")
    return rendered
