"""The application factory: settings → database → registry → routers, middleware and error handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from civicapi import __version__
from civicapi.communes.api_key_router import router as api_keys_router
from civicapi.communes.audit_router import router as audit_router
from civicapi.communes.dependencies import module_enabled
from civicapi.communes.invitation_router import router as invitations_router
from civicapi.communes.permissions import PermissionPolicy
from civicapi.communes.router import router as communes_router
from civicapi.communes.service import enabled_module_keys
from civicapi.communes.verification_router import router as verification_router
from civicapi.config import Environment, Settings, get_settings
from civicapi.core.admission import AdmissionMiddleware
from civicapi.core.audit import AUDIT_TABLE
from civicapi.core.cache import ResponseCacheMiddleware
from civicapi.core.db.session import Database, create_engine
from civicapi.core.deadline import RequestReadDeadlineMiddleware
from civicapi.core.deps import DatabaseDep
from civicapi.core.errors import (
    PROBLEM_TYPES,
    NotFound,
    ServiceUnavailable,
    install_error_handlers,
    problem_responses,
)
from civicapi.core.http import BodySizeLimitMiddleware, RequestContextMiddleware, configure_logging
from civicapi.core.lanes import LaneMiddleware
from civicapi.core.loopwatch import LoopWatch
from civicapi.core.mail import Mailer
from civicapi.core.openapi import build_openapi
from civicapi.core.ratelimit import RateLimiter, TrustedProxies
from civicapi.core.routing import GuardedRouter
from civicapi.core.storable import StorableTextMiddleware
from civicapi.core.uploads import import_route_matcher
from civicapi.forms import exceptions as _forms_problems  # noqa: F401  (listed before a module mounts the routes)
from civicapi.identity.api_keys import key_uses
from civicapi.identity.dependencies import build_token_service
from civicapi.identity.mailing import build_mailer, subscribe_mail_sender
from civicapi.identity.router import router as identity_router
from civicapi.places.models import GeocodeCache
from civicapi.places.router import router as places_router
from civicapi.platform.events_router import router as events_router
from civicapi.platform.privacy_router import router as privacy_router
from civicapi.registry import CivicModule, ModuleRegistry, load_modules
from civicapi.registry.contract import StartHook
from civicapi.registry.loader import wire_subscriptions
from civicapi.spaces.router import router as spaces_router

log = logging.getLogger(__name__)

DESCRIPTION = """\
civicapi: participatory budgets, calls for proposals, accountability and more, for communes.

* Commune-scoped resources live under `/v1/communes/{commune}`; a module's under
  `/v1/communes/{commune}/{module_key}` (404 `module-not-enabled` when the commune has not enabled it).
* Errors are RFC 9457 problem documents (`application/problem+json`); `GET /problems` lists their types.
* Lists take `limit` (1-100) and an opaque `cursor`, answer `{"items": [...], "next_cursor": ...}` and a
  `Link: <...>; rel="next"` header.
* Multilingual fields are objects `{"fr": "...", "nl": "..."}` limited to the commune's locales.
"""


async def _start(key: str, hook: StartHook, state: Any) -> None:
    try:
        await hook(state)
    except Exception:
        log.exception("module %s: its start-up work failed", key)


def _unique_id(route: APIRoute) -> str:
    tag = str(route.tags[0]) if route.tags else "api"
    return f"{tag}_{route.name}"


def _mount_modules(app: FastAPI, registry: ModuleRegistry) -> None:
    for module in registry:
        if module.router is None:
            continue
        _include(
            app,
            module.router,
            prefix=f"/v1/communes/{{commune}}/{module.key}",
            tags=[module.key],
            dependencies=[Depends(module_enabled(module.key))],
            # What that dependency answers, declared on every route of the module (a module need not).
            responses=problem_responses(404),
        )


def _include(app: FastAPI, router: APIRouter, prefix: str = "", **options: Any) -> None:
    """Include ``router`` and, if it is a :class:`GuardedRouter`, arm its path guard for this prefix."""
    app.include_router(router, prefix=prefix, **options)
    if isinstance(router, GuardedRouter):
        router.guard(prefix)


def _ops_router() -> APIRouter:
    router = GuardedRouter(tags=["operations"])

    @router.get("/health/live", operation_id="health_live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/health/ready",
        operation_id="health_ready",
        summary="The database answers",
        responses={503: {"description": "Database unreachable"}},
    )
    async def ready(db: DatabaseDep) -> dict[str, str]:
        try:
            await db.ping()
        except Exception as exc:
            raise ServiceUnavailable("the database does not answer") from exc
        return {"status": "ok", "database": "ok"}

    @router.get("/problems", operation_id="problems_list", summary="Every problem type this API may answer")
    async def problems() -> dict[str, str]:
        return {f"/problems/{slug}": text for slug, text in sorted(PROBLEM_TYPES.items())}

    @router.get(
        "/problems/{slug}",
        operation_id="problems_get",
        summary="One problem type",
        responses=problem_responses(404),
    )
    async def problem(slug: str) -> dict[str, str]:
        if slug not in PROBLEM_TYPES:
            raise NotFound(f"no problem type {slug!r}")
        return {"type": f"/problems/{slug}", "description": PROBLEM_TYPES[slug]}

    return router


def _install_docs(app: FastAPI) -> None:
    """Swagger UI 5 (reads OpenAPI 3.1), from the assets the ``fastapi-offline`` package ships: no CDN.
    ``/`` leads to it."""
    assets = Path(str(resources.files("fastapi_offline") / "static"))
    app.mount("/static/docs", StaticFiles(directory=assets), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="civicapi: API documentation",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
            # No call to the public validator: the page works offline and within its CSP.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/docs")


def create_app(
    settings: Settings | None = None,
    *,
    registry: ModuleRegistry | None = None,
    extra_modules: Sequence[CivicModule] = (),
    database: Database | None = None,
    mailer: Mailer | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    if registry is None:
        registry = load_modules(settings.modules, extra=extra_modules)
    db = database or Database(
        create_engine(
            settings.database_url, echo=settings.database_echo, pool_size=settings.database_pool_size
        )
    )
    db.bus.set_recipient_filter(enabled_module_keys)
    db.row_memo.seconds = settings.row_cache_seconds
    # Audit entries always accompany another write (which moves the generation) but for quiet ones.
    db.quiet_tables = {
        AUDIT_TABLE,
        GeocodeCache.__tablename__,
        *(t for module in registry for t in module.cache_quiet_tables),
    }
    wire_subscriptions(registry, db.bus)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info(
            "civicapi %s starting (%s, modules: %s)",
            __version__,
            settings.env.value,
            ", ".join(registry.keys),
        )
        started = [
            asyncio.create_task(_start(module.key, module.on_start, app.state))
            for module in registry
            if module.on_start is not None
        ]
        if settings.event_retry_seconds > 0:
            started.append(asyncio.create_task(db.bus.keep_redelivering(db, settings.event_retry_seconds)))
        if settings.loop_stall_seconds > 0:
            app.state.loopwatch = LoopWatch(settings.loop_stall_seconds)
            started.append(asyncio.create_task(app.state.loopwatch.run()))
        yield
        for task in started:
            task.cancel()
        await asyncio.gather(*started, return_exceptions=True)
        await key_uses(db).settled()  # the API keys' last uses noted but not yet written
        await db.dispose()

    app = FastAPI(
        title="civicapi",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        generate_unique_id_function=_unique_id,
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.registry = registry
    app.state.policy = PermissionPolicy.for_registry(registry)
    app.state.tokens = build_token_service(settings)
    app.state.limiter = RateLimiter(settings.rate_limit_storage, enabled=settings.rate_limits_enabled)
    app.state.trusted_proxies = TrustedProxies(settings.trusted_proxies)
    app.state.mailer = mailer or build_mailer(settings)
    subscribe_mail_sender(db.bus, app.state.mailer)

    install_error_handlers(app)
    _include(app, _ops_router())
    _include(app, identity_router)
    _include(app, communes_router)
    _include(app, verification_router)
    _include(app, api_keys_router)
    _include(app, invitations_router)
    _include(app, privacy_router)
    _include(app, spaces_router)
    _include(app, places_router)
    _include(app, audit_router)
    _include(app, events_router)
    _mount_modules(app, registry)
    if settings.docs_enabled:
        _install_docs(app)

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, description=DESCRIPTION)
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]

    if settings.lanes_enabled:
        lanes = [module.lane(app.state) for module in registry if module.lane is not None]
        app.add_middleware(LaneMiddleware, lanes=lanes)
    app.add_middleware(StorableTextMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        import_bytes=settings.max_import_bytes,
        is_import=import_route_matcher(lambda: app.router.routes),
    )
    app.add_middleware(
        AdmissionMiddleware, limit=settings.max_in_flight, wait_seconds=settings.admission_wait_seconds
    )
    app.add_middleware(  # outside admission: a body still on its way holds no slot
        RequestReadDeadlineMiddleware,
        seconds=settings.request_read_timeout_seconds,
        max_bytes=settings.max_body_bytes,
    )
    app.add_middleware(
        ResponseCacheMiddleware,
        db=db,
        seconds=settings.response_cache_seconds,
        max_entries=settings.response_cache_entries,
        max_bytes=settings.response_cache_megabytes * 1024 * 1024,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-API-Key",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "Link", "Location", "Retry-After", "X-Request-ID"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, hsts=settings.env is Environment.production)
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory civicapi.main:app_factory``."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format.value)
    return create_app(settings)
