"""Parameterized item templates: draw parameters, compute the answer with SymPy, render the text.

A template is plain data (it comes from a course file or the database)::

    {"slug": "add-like-fractions", "concepts": ["fraction-addition"], "difficulty": -0.5,
     "answer_kind": "numeric",
     "params": {"a": {"randint": [1, 5]}, "d": {"choice": [6, 8, 10]}},
     "where": ["a < d"],                      # resampled until every condition holds
     "derived": {"s": "Rational(a, d) * 2"},  # SymPy expressions over the params
     "prompt": "What is {a}/{d} + {a}/{d}?",
     "answer": "2 * Rational(a, d)",          # SymPy expression over params and derived values
     "hints": ["...", "..."], "solution": "... so the answer is {answer}."}

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

ANSWER_KINDS = ("numeric", "expression", "choice")
MAX_DRAWS = 500


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
        return text.format(**{name: format_value(value) for name, value in values.items()})
    except (KeyError, IndexError, ValueError) as error:
        raise TemplateError(f"template {template!r}: cannot fill {text!r}: {error}") from error


def template_validate(template: dict[str, Any]) -> None:
    """Check the fields a template must have; raise TemplateError naming what is wrong."""
    slug = template.get("slug") or "<unnamed>"
    for required in ("slug", "concepts", "answer_kind", "prompt", "answer", "hints", "solution"):
        if not template.get(required):
            raise TemplateError(f"template {slug!r}: missing {required!r}")
    if template["answer_kind"] not in ANSWER_KINDS:
        raise TemplateError(f"template {slug!r}: answer_kind must be one of {', '.join(ANSWER_KINDS)}")
    if template["answer_kind"] == "choice" and len(template.get("choices", [])) < 2:
        raise TemplateError(f"template {slug!r}: a choice template needs at least two choices")
    if len(template["hints"]) < 2:
        raise TemplateError(f"template {slug!r}: needs at least two hints")
    for section in ("params", "derived"):
        for name in template.get(section) or {}:
            if not (isinstance(name, str) and name.isidentifier()):
                raise TemplateError(f"template {slug!r}: {section} name {name!r} is not a valid name "
                                    "(YAML reads bare on/off/yes/no as true/false: quote it or rename it)")


def template_instantiate(template: dict[str, Any], *, seed: int) -> ItemDraft:
    """Draw parameters (seeded, so the same seed gives the same item) and build the item."""
    template_validate(template)
    slug = template["slug"]
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
        matching = [c for c in choices if sympy.simplify(_evaluate(c, namespace, template=slug) - answer_value) == 0]
        if len(matching) != 1:
            raise TemplateError(f"template {slug!r}: exactly one choice must equal the answer, got {matching}")
        answer_text = matching[0]
    else:
        if kind == "numeric" and not answer_value.is_number:
            raise TemplateError(f"template {slug!r}: numeric answer {answer_value} is not a number")
        answer_text = format_value(answer_value)
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
    )
