"""The models the CLI can evaluate, by name. Each entry builds a fresh model from a seed: ``MODELS[name](seed=0)``.

Adding a model is one line here; its class only needs the ``KTModel`` methods and a ``seed`` keyword.
"""

from __future__ import annotations

from collections.abc import Callable

from knowledge.evaluate.baselines import BKT, DKT, BestLR
from knowledge.evaluate.kt_model import KTModel
from knowledge.evaluate.psikt_adapter import PsiKT

MODELS: dict[str, Callable[..., KTModel]] = {
    "bestlr": BestLR,
    "dkt": DKT,
    "bkt": BKT,
    "psikt": PsiKT,
}
