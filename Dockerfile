# The dashboard as one stateless app replica. See docs/deploy.md.
#
# It runs only what .ci/run proves on a fresh machine: `make setup` (a virtual environment
# with requirements-dev.txt), the bundled sample builds the tests run, and
# `python -m dashboard.serve`, the command the browser tests start. The real warehouse and map
# geometry are built elsewhere (`python -m etl build`, `python -m geo build`) and mounted
# read-only at /data; without them the container serves the bundled sample, saying so.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 app
WORKDIR /app
COPY --chown=app:app . .
USER app

RUN make setup \
    && .venv/bin/python -m etl build --sample --quiet \
    && .venv/bin/python -m geo build --sample --quiet

# The app reads the warehouse and geometry only. Point these at the mounted files:
#   docker run -v /srv/gsmw:/data:ro -e WAREHOUSE_PATH=/data/warehouse.duckdb \
#              -e GEO_DIR=/data/geo -p 8501:8501 gsmw-dashboard
# and set STREAMLIT_BROWSER_SERVER_ADDRESS to the host name people use.
ENV PYTHONUNBUFFERED=1
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD [".venv/bin/python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read().strip() == b'ok' else 1)"]

CMD [".venv/bin/python", "-m", "dashboard.serve", "--server.port", "8501", "--server.address", "0.0.0.0"]
