"""Supports: residents support proposals, within the limits and thresholds of the component."""
