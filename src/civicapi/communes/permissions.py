"""Deny by default: a role holds a permission only if the permission's declaration grants it.

The platform declares its own permissions here; each module declares its own (``<key>.<action>``) in its
``CivicModule``. :class:`PermissionPolicy` merges both into one role → permissions table.
"""

from __future__ import annotations

from collections.abc import Iterable

from civicapi.registry import ModuleRegistry, Permission, Role

STAFF_ROLES = frozenset({Role.admin, Role.moderator, Role.valuator, Role.staff})

CORE_PERMISSIONS: tuple[Permission, ...] = (
    Permission("commune.manage", "Edit the commune, enable, disable and configure its modules"),
    Permission("commune.members.manage", "Give and take roles in the commune"),
    Permission("commune.api_keys.manage", "Create, list and revoke the commune's integrator API keys"),
    Permission("commune.audit.read", "Read the commune's audit trail (who changed what, and when)"),
    Permission("commune.census.manage", "Upload the census and revoke residents' verifications"),
    Permission("identity.verify.desk", "Verify residents in person", frozenset({Role.admin, Role.staff})),
    Permission(
        "identity.register.desk",
        "Open accounts for residents at the desk",
        frozenset({Role.admin, Role.staff}),
    ),
    Permission("members.invite", "Invite people by email to take a role (integrator keys: scope 'invite')"),
    Permission("spaces.manage", "Create and edit participatory processes, phases and components"),
    Permission("spaces.preview", "See unpublished processes and components", STAFF_ROLES),
)


class PermissionPolicy:
    def __init__(self, permissions: Iterable[Permission]) -> None:
        self.declared: dict[str, Permission] = {}
        self.by_role: dict[str, set[str]] = {role.value: set() for role in Role}
        for perm in permissions:
            if perm.name in self.declared:
                raise ValueError(f"permission {perm.name!r} declared twice")
            self.declared[perm.name] = perm
            for role in perm.roles:
                self.by_role[role.value].add(perm.name)

    @classmethod
    def for_registry(cls, registry: ModuleRegistry) -> PermissionPolicy:
        return cls([*CORE_PERMISSIONS, *registry.permissions()])

    def allows(self, roles: Iterable[str], permission: str) -> bool:
        if permission not in self.declared:
            return False
        return any(permission in self.by_role.get(role, ()) for role in roles)

    def permissions_of(self, roles: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for role in roles:
            out |= self.by_role.get(role, set())
        return out
