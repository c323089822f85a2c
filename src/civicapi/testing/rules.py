"""The role matrix's vocabulary: who calls, and the rules saying which of them an operation lets through.

A rule turns a caller (:class:`Who`) into the answer it should get (:class:`Expect`): let through, or refused
with a status and a problem type. Permissions are resolved through the app's own ``PermissionPolicy``, so a
rule names a permission, never a list of roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from civicapi.communes.permissions import PermissionPolicy
from civicapi.registry import Role

ROLES_IN_ALPHA: dict[str, Role] = {
    "admin": Role.admin,
    "moderator": Role.moderator,
    "valuator": Role.valuator,
    "staff": Role.staff,
    "participant": Role.participant,
}
"""The people of commune alpha, by name, and their role there."""

CALLERS: dict[str, frozenset[str]] = {
    "anonymous": frozenset(),
    "participant": frozenset({Role.participant.value}),
    "resident": frozenset({Role.participant.value}),  # a participant verified against alpha's census
    **{name: frozenset({ROLES_IN_ALPHA[name].value}) for name in ("staff", "moderator", "valuator", "admin")},
    "beta_admin": frozenset(),  # admin of beta: no role in alpha
    "platform": frozenset(),  # platform administrator: no membership, above communes
}
"""Who calls, and the roles they hold in alpha (the commune every commune-scoped call goes to)."""


@dataclass(frozen=True)
class Expect:
    """The answer a caller should get: let through (``status`` None), or refused with a problem type."""

    status: int | None
    problem: str | None = None

    @property
    def allowed(self) -> bool:
        return self.status is None


ALLOWED = Expect(None)


@dataclass(frozen=True)
class Who:
    name: str
    roles: frozenset[str]

    @property
    def anonymous(self) -> bool:
        return self.name == "anonymous"

    @property
    def platform_admin(self) -> bool:
        return self.name == "platform"


@dataclass(frozen=True)
class Rule:
    outsider: int = field(default=403, kw_only=True)
    """What beta_admin, who holds no role in alpha, gets when refused (404 for a rule hiding existence)."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        raise NotImplementedError

    def refused(self, who: Who, problem: str = "forbidden") -> Expect:
        if who.anonymous:
            return Expect(401, "unauthorized")
        if who.name == "beta_admin" and self.outsider == 404:
            return Expect(404, "not-found")
        return Expect(403, problem)


@dataclass(frozen=True)
class Public(Rule):
    """Anyone, anonymous included (login, registration, password reset...)."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED


@dataclass(frozen=True)
class Authenticated(Rule):
    """Any logged-in person, whatever their roles (the admin of another commune included)."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return self.refused(who) if who.anonymous else ALLOWED


@dataclass(frozen=True)
class PlatformAdmin(Rule):
    """Platform administrators only: commune roles, even admin, do not count."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED if who.platform_admin else self.refused(who)


@dataclass(frozen=True)
class Perm(Rule):
    """Holders of ``permission`` in the commune, resolved through the app's ``PermissionPolicy`` (and the
    platform administrator, who holds every permission)."""

    permission: str

    def holds(self, who: Who, policy: PermissionPolicy) -> bool:
        assert self.permission in policy.declared, f"{self.permission!r} is not a declared permission"
        return who.platform_admin or (not who.anonymous and policy.allows(who.roles, self.permission))

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED if self.holds(who, policy) else self.refused(who)


@dataclass(frozen=True)
class Owner(Rule):
    """The resource's owner (the caller named ``owner``), or a holder of ``override`` when there is one;
    others get 403 of type ``problem``."""

    override: str | None
    owner: str = "resident"
    problem: str = "forbidden"

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        if who.anonymous:
            return self.refused(who)
        if who.name == self.owner or (self.override and Perm(self.override).holds(who, policy)):
            return ALLOWED
        return self.refused(who, self.problem)


@dataclass(frozen=True)
class Verified(Rule):
    """Logged-in people who meet the component's verification requirements: the resident (census-verified
    in alpha). Not a role permission: admins and the platform administrator are refused too, with a 403 of
    type ``problem`` (the module's own)."""

    verified: tuple[str, ...] = ("resident",)
    problem: str = "forbidden"

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED if who.name in self.verified else self.refused(who, self.problem)


@dataclass(frozen=True)
class Assigned(Rule):
    """Holders of ``permission`` (else the usual 403) who are also assigned to the resource (the others
    get 403 of type ``problem``)."""

    permission: str
    assigned: tuple[str, ...] = ("valuator",)
    problem: str = "forbidden"

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        if not Perm(self.permission).holds(who, policy):
            return self.refused(who)
        return ALLOWED if who.name in self.assigned else self.refused(who, self.problem)
