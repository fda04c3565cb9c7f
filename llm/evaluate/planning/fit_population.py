"""The simulated learners' population, fitted to real answers: a PSI-KT cohort fit (``knowledge.learner.model``)
on the timestamped ASSISTments 2017 subset, summarised into population values that carry over to another course.

    python -m llm.evaluate.planning.fit_population [--data ../shared/data] [--steps 1000] [--seed 0]

writes POPULATION_FILE, which the planning evaluation reads (``learners.population_load``), so the evaluation
runs without the data. Kept from the fit:

- the trait population: trait_loc and trait_scale of (log alpha, mu, log sigma);
- per-concept parameters as population summaries, mean and spread over the concepts the cohort answered at least
  MIN_CONCEPT_ANSWERS times (a concept answered less keeps close to its prior, which would shrink the spread):
  lasting gains of a right and a wrong answer beta^{+-}, fading gains delta^{+-}, log discrimination log kappa;
  per-concept values themselves are not transferable between data sets (ASSISTments skill sets are not the
  course's concepts);
- the course-wide general practice coefficients g^{+-}.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from knowledge.evaluate.datasets import load
from knowledge.evaluate.psikt_adapter import interactions_cohort
from knowledge.learner.model import cohort_fit
from knowledge.learner.posterior import TRAIT_NAMES

POPULATION_FILE = Path(__file__).with_name("population.json")
DATASET = "assist2017_timestamped_subset"
FIT_STEPS = 1000
MIN_CONCEPT_ANSWERS = 100


def _summary(values: torch.Tensor) -> dict[str, float]:
    return {"mean": round(float(values.mean()), 4), "spread": round(float(values.std()), 4)}


def population_fit(*, data_dir: Path, steps: int, seed: int) -> dict:
    """The population values (module docstring) of a cohort fit of ``steps`` SVI steps on DATASET."""
    data = load(data_dir / DATASET, "flat")
    cohort = interactions_cohort(data)
    posterior = cohort_fit(cohort, steps=steps, seed=seed, progress=True)
    answered = torch.bincount(cohort.answers.concept, minlength=cohort.n_concepts) >= MIN_CONCEPT_ANSWERS
    return {
        "source": {"data": DATASET, "learners": data.n_learners, "answers": len(data),
                   "concepts_summarised": int(answered.sum()), "min_concept_answers": MIN_CONCEPT_ANSWERS,
                   "steps": steps, "seed": seed,
                   "command": f"python -m llm.evaluate.planning.fit_population --steps {steps} --seed {seed}"},
        "trait_names": list(TRAIT_NAMES),
        "trait_loc": [round(v, 4) for v in posterior.trait_loc.tolist()],
        "trait_scale": [round(v, 4) for v in posterior.trait_scale.tolist()],
        "learn_right": _summary(posterior.learn_right[answered]),
        "learn_wrong": _summary(posterior.learn_wrong[answered]),
        "fading_right": _summary(posterior.fading_gain[answered, 0]),
        "fading_wrong": _summary(posterior.fading_gain[answered, 1]),
        "log_discrimination": _summary(posterior.discrimination[answered].log()),
        "concept_difficulty": _summary(posterior.concept_difficulty[answered]),
        "general": [round(v, 4) for v in posterior.general.tolist()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm.evaluate.planning.fit_population",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--steps", type=int, default=FIT_STEPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=POPULATION_FILE)
    args = parser.parse_args(argv)
    if not (args.data / DATASET).is_dir():
        print(f"error: no {DATASET} folder under {args.data}", file=sys.stderr)
        return 2
    if args.steps < 1:
        print("error: --steps must be at least 1", file=sys.stderr)
        return 2
    population = population_fit(data_dir=args.data, steps=args.steps, seed=args.seed)
    args.out.write_text(json.dumps(population, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(population, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
