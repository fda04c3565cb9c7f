"""Evaluations of the agents on simulated learners and recorded data; each module is one evaluation."""
