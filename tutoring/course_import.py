"""Import a course file (concepts, prerequisites, item templates) into the database.

The whole file is checked first: every problem is reported together and nothing is written unless the
file is valid. Every template of a course file has its common wrong answers and its steps (see
``tutoring.item_templates``), and the concepts its wrong answers point to are concepts of the course.
Importing the same file twice changes nothing; re-importing an edited file updates concepts, edges,
templates and their items in place (attempts keep pointing at the same items).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
from django.db import transaction

from knowledge.services import ConceptDraft, course_graph_write
from tutoring.item_templates import ItemDraft, TemplateError, template_instantiate
from tutoring.models import Course, Item, ItemTemplate

ITEMS_PER_TEMPLATE = 4


class CourseFileError(ValueError):
    """The file is not a valid course; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The course file has problems:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class CourseImportResult:
    course: Course
    concepts: int
    prerequisites: int
    templates: int
    items: int


def course_file_check(data: Any, *, items_per_template: int = ITEMS_PER_TEMPLATE) -> dict[str, list[ItemDraft]]:
    """Validate a parsed course file; return the items each template produces. Raise CourseFileError."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise CourseFileError(["the file must be a mapping with slug, title, concepts, prerequisites, templates"])
    for key in ("slug", "title"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(f"missing {key!r}")
    concepts = data.get("concepts") or []
    slugs = [c.get("slug") for c in concepts if isinstance(c, dict)]
    if len(slugs) != len(concepts) or not all(slugs):
        problems.append("every concept needs a slug")
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        problems.append(f"duplicate concept slugs: {', '.join(duplicates)}")
    known = set(slugs)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for edge in data.get("prerequisites") or []:
        if not (isinstance(edge, list | tuple) and len(edge) == 2):
            problems.append(f"prerequisite {edge!r} must be [prerequisite, concept]")
            continue
        unknown = [s for s in edge if s not in known]
        if unknown:
            problems.append(f"prerequisite {edge[0]} → {edge[1]} names unknown concept {unknown[0]!r}")
            continue
        graph.add_edge(*edge)
    try:
        cycle = nx.find_cycle(graph)
        problems.append("the prerequisites form a cycle: " + " → ".join([u for u, _ in cycle] + [cycle[0][0]]))
    except nx.NetworkXNoCycle:
        pass
    drafts: dict[str, list[ItemDraft]] = {}
    template_slugs = set()
    for template in data.get("templates") or []:
        slug = template.get("slug") if isinstance(template, dict) else None
        if not slug:
            problems.append("every template needs a slug")
            continue
        if slug in template_slugs:
            problems.append(f"duplicate template slug {slug!r}")
        template_slugs.add(slug)
        missing = [c for c in template.get("concepts") or [] if c not in known]
        if missing:
            problems.append(f"template {slug!r} names unknown concept {missing[0]!r}")
        for block in ("wrong_answers", "steps"):
            if block not in template:
                problems.append(f"template {slug!r}: missing {block!r}")
        for wrong in template.get("wrong_answers") or []:
            concept = wrong.get("concept") if isinstance(wrong, dict) else None
            if concept and concept not in known:
                problems.append(f"template {slug!r}: wrong answer {wrong.get('answer')!r} points to unknown "
                                f"concept {concept!r}")
        try:
            drafts[slug] = [template_instantiate(template, seed=seed) for seed in range(items_per_template)]
        except TemplateError as error:
            problems.append(str(error))
    if problems:
        raise CourseFileError(problems)
    return drafts


def course_import(*, data: dict[str, Any], items_per_template: int = ITEMS_PER_TEMPLATE) -> CourseImportResult:
    """Check the course file, then write it in one transaction."""
    drafts = course_file_check(data, items_per_template=items_per_template)
    with transaction.atomic():
        course, _ = Course.objects.update_or_create(
            slug=data["slug"], defaults={"title": data["title"], "description": data.get("description", "")}
        )
        concepts = course_graph_write(
            course_id=course.id,
            concepts=[ConceptDraft(slug=spec["slug"], name=spec.get("name", spec["slug"]),
                                   description=spec.get("description", "")) for spec in data["concepts"]],
            prerequisites=[tuple(edge) for edge in data.get("prerequisites") or []],
        )
        n_items = 0
        for spec in data.get("templates") or []:
            template, _ = ItemTemplate.objects.update_or_create(
                course=course, slug=spec["slug"],
                defaults={"difficulty": float(spec.get("difficulty", 0)), "spec": spec},
            )
            template_concepts = [concepts[slug] for slug in spec["concepts"]]
            template.concepts.set(template_concepts)
            for seed, draft in enumerate(drafts[spec["slug"]]):
                item, _ = Item.objects.update_or_create(
                    course=course, slug=f"{spec['slug']}-{seed}",
                    defaults={
                        "template": template, "seed": seed, "prompt": draft.prompt, "answer_kind": draft.answer_kind,
                        "answer": draft.answer, "tolerance": draft.tolerance, "choices": draft.choices,
                        "variables": draft.variables, "hints": draft.hints, "solution": draft.solution,
                        "wrong_answers": draft.wrong_answers, "steps": draft.steps,
                        "difficulty": template.difficulty, "is_active": True, "form": draft.form,
                    },
                )
                item.concepts.set(template_concepts)
                n_items += 1
    return CourseImportResult(course=course, concepts=len(concepts), prerequisites=len(data.get("prerequisites") or []),
                              templates=len(drafts), items=n_items)
