"""The curators' admin: the concept graph edited with its prerequisites, the learner model's records read-only."""

import uuid

import pytest
from django.urls import reverse

from knowledge.models import Concept, ConceptState, Prerequisite
from tutoring import services


@pytest.fixture
def curator_client(client, db):
    client.force_login(services.user_create(username="cur", password="pw-cur-12345", role="curator"))
    return client


def _concept(course, slug: str) -> Concept:
    return Concept.objects.get(course_id=course.id, slug=slug)


def test_a_concept_page_lists_its_prerequisites_for_the_curator(curator_client, course):
    like = _concept(course, "like-fractions")
    page = curator_client.get(reverse("admin:knowledge_concept_change", args=[like.id])).content.decode()
    assert "Prerequisites" in page and "prerequisite_edges-TOTAL_FORMS" in page
    assert 'value="2" id="id_prerequisite_edges-TOTAL_FORMS"' in page.replace("\n", "")


def test_a_prerequisite_that_closes_a_cycle_is_refused_with_the_cycle_named(curator_client, course):
    whole, like = _concept(course, "whole-addition"), _concept(course, "like-fractions")
    response = curator_client.post(reverse("admin:knowledge_prerequisite_add"),
                                   {"prerequisite": like.id, "concept": whole.id, "weight": 1.0})
    assert response.status_code == 200
    assert "would create a cycle: Adding like fractions → Adding whole numbers" in response.content.decode()
    assert not Prerequisite.objects.filter(prerequisite=like, concept=whole).exists()


def test_the_concept_list_filters_by_course_title(curator_client, course):
    page = curator_client.get(reverse("admin:knowledge_concept_changelist"), {"course": course.id}).content.decode()
    assert course.title in page and "Adding like fractions" in page


def test_the_learner_models_records_name_the_learner_and_cannot_be_edited(curator_client, session):
    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    state = ConceptState.objects.first()
    page = curator_client.get(reverse("admin:knowledge_conceptstate_change", args=[state.id])).content.decode()
    assert session.learner.username in page and 'name="offset"' not in page
    listing = curator_client.get(reverse("admin:knowledge_learnertraits_changelist")).content.decode()
    assert "learner traits" in listing and "traitss" not in listing
