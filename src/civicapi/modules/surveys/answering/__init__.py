"""Surveys: the answering use case."""
