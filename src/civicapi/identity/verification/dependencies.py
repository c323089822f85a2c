from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from civicapi.core.deps import SettingsDep
from civicapi.identity.verification.hashing import IdentityHasher


async def get_identity_hasher(settings: SettingsDep) -> IdentityHasher:
    return IdentityHasher(settings.secret_key.get_secret_value())


IdentityHasherDep = Annotated[IdentityHasher, Depends(get_identity_hasher)]
