"""Learner models: plain Python over plain data (tensors), no Django.

``psikt`` is the model the app uses: continuous-time knowledge tracing over a course's concepts, fitted
to a cohort with pyro and updated online after every answer, with transfer along the course's prerequisite
edges (whose weights it fits, and which it suggests beyond the curated graph). ``knowledge.beliefs`` connects it
to the stored beliefs.
"""
