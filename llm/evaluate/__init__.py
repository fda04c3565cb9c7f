"""What the tutor is measured and trained with, apart from what it runs on (``llm.decision_models`` serves).

``python -m llm.evaluate`` (``__main__``) runs the evaluation: ``decisions`` (the decision models against
published references), ``episodes`` (tutoring a simulated student), ``planning`` (items to mastery on simulated
learners). ``corpora`` reads the tutoring corpora; ``decision_training`` trains and stores the decision models
(``python -m llm.evaluate.train_decisions``); ``gpu_bench`` measures GPU serving
(``python -m llm.evaluate.gpu_bench``).
"""
