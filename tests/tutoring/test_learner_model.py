"""The session domain's door to the learner model: the refit command."""

import pytest
from django.core.management import CommandError, call_command


def test_refit_command_refuses_an_unknown_course_with_exit_code_2(db):
    with pytest.raises(CommandError) as refused:
        call_command("learner_model_refit", "--course", "no-such-course")
    assert refused.value.returncode == 2
