"""The agent trio: the Diagnostician says what went wrong, the Planner decides what to do about it, the Tutor
says it. Each is plain Python over the dataclasses in ``schema``; none knows of HTTP or the database."""
