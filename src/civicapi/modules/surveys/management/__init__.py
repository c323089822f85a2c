"""Surveys: the management use case."""
