"""Communes (tenants): the commune itself, its members and roles, and the modules it enables."""
