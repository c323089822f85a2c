"""Surveys: the results use case."""
