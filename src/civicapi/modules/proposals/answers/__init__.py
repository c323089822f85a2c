"""Answers: custom states and the commune's official answers (held or published)."""
