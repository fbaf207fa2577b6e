# nn-playground: one server process (runs train in its memory and are saved to SQLite in the
# /app/data volume, or to PostgreSQL by PLAYGROUND_DATABASE_URL), CPU torch by default.
# GPU hosts: docker build --build-arg TORCH_VARIANT=cu128 -t nn-playground:gpu .
FROM python:3.11-slim

# Which PyTorch build to install: "cpu", or a CUDA build such as "cu126" / "cu128".
ARG TORCH_VARIANT=cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PLAYGROUND_HOST=0.0.0.0 \
    PLAYGROUND_PORT=8000

WORKDIR /app

# torch first, pinned by the same constraints file as local installs, from the index for the variant.
COPY constraints.txt ./
RUN pip install -c constraints.txt --index-url "https://download.pytorch.org/whl/${TORCH_VARIANT}" torch

COPY pyproject.toml README.md ./
COPY models ./models
COPY server ./server
COPY frontend ./frontend
RUN pip install -c constraints.txt -e . \
    && mkdir -p /app/data && chown 10001:10001 /app/data

# The runs' database (SQLite, PLAYGROUND_DATA_DIR defaults to ./data): keep it across containers.
VOLUME ["/app/data"]
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('PLAYGROUND_PORT', '8000'), timeout=4)"]

# The same command as `make run`; all configuration comes from PLAYGROUND_* variables.
CMD ["nn-playground", "serve"]
