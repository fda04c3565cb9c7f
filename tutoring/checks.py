"""System check: the tutor backend named in the settings must be one Cairn has."""

from django.conf import settings
from django.core.checks import Error, register

from llm.backends.generative import BACKEND_NAMES

TUTOR_BACKENDS = ("template", *BACKEND_NAMES)


@register()
def tutor_backend_known(app_configs, **kwargs):
    if settings.CAIRN_LLM_BACKEND in TUTOR_BACKENDS:
        return []
    return [Error(f"CAIRN_LLM_BACKEND is {settings.CAIRN_LLM_BACKEND!r}, which is not a tutor backend.",
                  hint=f"Set it to one of: {', '.join(TUTOR_BACKENDS)}.", id="tutoring.E001")]
