"""Budgets and projects: their CRUD, their reads, proposals imported as projects, Pabulib import and export."""
