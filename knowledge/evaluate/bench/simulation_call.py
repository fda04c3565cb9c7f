"""How a simulated cohort is named in the benchmark's results: the ``cohort_simulate`` call that made it."""

from __future__ import annotations


def simulation_call(arguments: dict) -> str:
    """``cohort_simulate(key=value, ...)`` with ``arguments`` in their order."""
    return f"cohort_simulate({', '.join(f'{key}={value}' for key, value in arguments.items())})"
