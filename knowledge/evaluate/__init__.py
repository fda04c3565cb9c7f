"""Knowledge-tracing evaluation: data loaders, metrics, baselines (BKT, Best-LR, DKT), protocols and a CLI; the
learner model's benchmark (``python -m knowledge.evaluate.bench``); the helpers the tutor's evaluation shares
(``datasets.data_dir_default``, ``junyi``, ``bootstrap``).

Pure Python (numpy, scikit-learn, torch); nothing here touches Django. Run ``python -m knowledge.evaluate --help``.
"""
