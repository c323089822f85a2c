"""Lifecycle of a proposal: create (a draft), edit, publish, withdraw, delete a draft, co-authors; the
list and read routes."""
