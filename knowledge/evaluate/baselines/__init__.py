"""Baseline knowledge-tracing models: BKT, Best-LR and DKT."""

from knowledge.evaluate.baselines.bestlr import BestLR
from knowledge.evaluate.baselines.bkt import BKT
from knowledge.evaluate.baselines.dkt import DKT

__all__ = ["BKT", "BestLR", "DKT"]
