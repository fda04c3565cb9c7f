"""Knowledge-tracing evaluation: data loaders, metrics, baselines (BKT, Best-LR, DKT), protocols and a CLI.

Pure Python (numpy, scikit-learn, torch); nothing here touches Django. Run ``python -m knowledge.evaluate --help``.
"""
