# syntax=docker/dockerfile:1
# civicapi: multi-stage image. Build: docker build -t civicapi .
# Run: docker run -e CIVICAPI_ENV=production -e CIVICAPI_SECRET_KEY=... \
#        -e CIVICAPI_DATABASE_URL=postgresql+asyncpg://user:pass@db/civicapi -p 8000:8000 civicapi

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Dependencies first, pinned with hashes (requirements.lock, from pip-compile: README, "Dependencies"),
# so that an image built today and one built next year run the same code; then civicapi itself, alone.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/venv/bin/pip install --no-deps . \
 && /opt/venv/bin/pip check

FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CIVICAPI_MIGRATIONS_DIR=/app/migrations \
    CIVICAPI_LOG_FORMAT=json
RUN groupadd --system --gid 10001 civicapi \
 && useradd --system --uid 10001 --gid civicapi --home-dir /app --shell /usr/sbin/nologin civicapi
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=civicapi:civicapi migrations ./migrations
USER civicapi
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status != 200)"
# Migrations first (idempotent), then serve. Scale out by running more containers against one PostgreSQL.
CMD ["sh", "-c", "civicapi migrate upgrade && exec civicapi serve --host 0.0.0.0 --port 8000 --workers ${CIVICAPI_WORKERS:-2}"]
