"""Participatory spaces (Decidim's model): processes with ordered, dated phases, and components — one
instance of a module inside a process, with its settings and per-phase step settings."""
