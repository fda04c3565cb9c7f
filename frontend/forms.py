"""One form per practice request, shared by the two paths a request can take: an HTTP post (htmx or a plain form)
and a websocket frame (``frontend.consumers``). The form checks the shape of what arrived; the services judge
what it means (an unreadable answer, a message too long)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from tutoring.errors import ServiceError

QUESTION_MISSING = "The form is missing its question; reload the page."
ID_MISSING = "The form is missing its id; reload the page."


class FormError(ServiceError):
    """A request whose fields are missing or malformed; the message says which."""


class PracticeForm(forms.Form):
    def cleaned(self) -> dict[str, Any]:
        """The cleaned fields; FormError with the first problem when the request is malformed."""
        if not self.is_valid():
            raise FormError(next(iter(self.errors.values()))[0])
        return self.cleaned_data


def _item_id() -> forms.IntegerField:
    return forms.IntegerField(error_messages={"required": QUESTION_MISSING, "invalid": QUESTION_MISSING})


def _client_id() -> forms.UUIDField:
    return forms.UUIDField(error_messages={"required": ID_MISSING, "invalid": ID_MISSING})


class AttemptForm(PracticeForm):
    item_id = _item_id()
    answer = forms.CharField(required=False, strip=False)
    client_id = _client_id()


class HintForm(PracticeForm):
    item_id = _item_id()


class NextForm(PracticeForm):
    pass


class StepsForm(PracticeForm):
    item_id = _item_id()


class StepForm(PracticeForm):
    item_id = _item_id()
    step = forms.IntegerField(min_value=0, error_messages={"required": QUESTION_MISSING, "invalid": QUESTION_MISSING,
                                                           "min_value": QUESTION_MISSING})
    answer = forms.CharField(required=False, strip=False)
    client_id = _client_id()


class SolutionForm(PracticeForm):
    item_id = _item_id()


class ChatForm(PracticeForm):
    text = forms.CharField(required=False, strip=False)
    client_id = _client_id()


PRACTICE_FORMS: Mapping[str, type[PracticeForm]] = {
    "attempt": AttemptForm, "hint": HintForm, "next": NextForm, "chat": ChatForm,
    "steps": StepsForm, "step": StepForm, "solution": SolutionForm,
}
