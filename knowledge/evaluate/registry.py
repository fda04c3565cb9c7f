"""The models the CLI can evaluate, by name. Each entry builds a fresh model from a seed: ``MODELS[name](seed=0)``.

Adding a model is one line here; its class only needs the ``KTModel`` methods and a ``seed`` keyword. A model's
module is imported when the model is built, so that the CLI answers ``--help`` or a bad argument without
importing torch and pyro first.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from knowledge.evaluate.kt_model import KTModel


def _built_on_demand(module: str, class_name: str) -> Callable[..., KTModel]:
    def build(**options) -> KTModel:
        return getattr(import_module(module), class_name)(**options)

    return build


MODELS: dict[str, Callable[..., KTModel]] = {
    "bestlr": _built_on_demand("knowledge.evaluate.baselines.bestlr", "BestLR"),
    "dkt": _built_on_demand("knowledge.evaluate.baselines.dkt", "DKT"),
    "bkt": _built_on_demand("knowledge.evaluate.baselines.bkt", "BKT"),
    "psikt": _built_on_demand("knowledge.evaluate.psikt_adapter", "PsiKT"),
}
