"""The concept graph stays acyclic: a prerequisite that would close a cycle is refused, naming the cycle."""

import pytest
from django.urls import reverse

from knowledge.graph import GraphCycleError
from knowledge.models import Concept, Prerequisite
from knowledge.services import graph_edge_add
from tutoring import services


def _concept(course, slug):
    return Concept.objects.get(course_id=course.id, slug=slug)


def test_edge_that_closes_a_cycle_is_refused_and_named(course):
    with pytest.raises(GraphCycleError) as refused:
        graph_edge_add(prerequisite=_concept(course, "like-fractions"), concept=_concept(course, "whole-addition"))
    assert str(refused.value) == (
        "This prerequisite would create a cycle: Adding like fractions → Adding whole numbers → Adding like fractions"
    )
    assert not Prerequisite.objects.filter(prerequisite__slug="like-fractions").exists()


def test_longer_cycle_is_named_in_order(course):
    like, meaning = _concept(course, "like-fractions"), _concept(course, "fraction-meaning")
    mixed = Concept.objects.create(course_id=course.id, slug="mixed", name="Mixed numbers")
    graph_edge_add(prerequisite=like, concept=mixed)
    with pytest.raises(GraphCycleError) as refused:
        graph_edge_add(prerequisite=mixed, concept=meaning)
    assert refused.value.cycle == ["Mixed numbers", "What a fraction means", "Adding like fractions"]


def test_self_loop_is_refused(course):
    concept = _concept(course, "whole-addition")
    with pytest.raises(GraphCycleError):
        graph_edge_add(prerequisite=concept, concept=concept)


def test_edge_that_keeps_the_graph_acyclic_is_added(course):
    edge = graph_edge_add(prerequisite=_concept(course, "whole-addition"), concept=_concept(course, "fraction-meaning"))
    assert edge.pk and Prerequisite.objects.count() == 3


def test_curator_sees_the_cycle_error_in_the_admin(client, course):
    curator = services.user_create(username="cur", password="pw-cur-12345", role="curator")
    client.force_login(curator)
    response = client.post(reverse("admin:knowledge_prerequisite_add"), {
        "prerequisite": _concept(course, "like-fractions").pk, "concept": _concept(course, "fraction-meaning").pk,
        "weight": 1,
    })
    assert response.status_code == 200
    assert "would create a cycle: Adding like fractions → What a fraction means" in response.content.decode()
    assert Prerequisite.objects.count() == 2


def test_teacher_cannot_open_the_curation_admin(client, teacher):
    client.force_login(teacher)
    assert client.get(reverse("admin:knowledge_concept_changelist")).status_code == 302
