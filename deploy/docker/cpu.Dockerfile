# The `cpu` image: the `alc` CLI, the CPU worker and the annotation service (one image, the command
# picks the process: `worker cpu`, `serve`, `campaign …`). Built from the repository root:
#   docker build -f deploy/docker/cpu.Dockerfile \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" -t alc-cpu:0.1.0 .
# Base images are pinned by tag and digest (provenance and how to bump them: deploy/README.md).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:1e85773c98c31d4fe5b545e4cb17379e617b348832fb3738b22a08f68dec30f3

# --- production node_modules, in a stage of their own so the final image has no npm cache ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Install scripts stay off, as in development (package.json `allowScripts`): sharp, swc, esbuild and
# onnxruntime-node (CPU provider) ship prebuilt binaries in their packages.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="alc-cpu" \
      org.opencontainers.image.description="Active Label Correction on Temporal: CLI, CPU worker, annotation service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"

# tini reaps children and forwards SIGTERM, so a worker drains instead of being killed; `alc` is
# the user the processes run as.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 alc \
 && useradd --uid 10001 --gid alc --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin alc

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Sources are root-owned and read-only to the process (the root file system is read-only in
# Kubernetes); scratch goes to TMPDIR, an emptyDir there and a volume in compose.
COPY . .

# ALC_BUILD_ID names the code a worker runs (logs, dashboards, worker versioning).
ENV NODE_ENV=production \
    ALC_BUILD_ID=${REVISION} \
    ALC_LISTEN_HOST=0.0.0.0 \
    TMPDIR=/tmp \
    HOME=/tmp

# A user of its own, by number so that runAsNonRoot can verify it (the Kubernetes manifests run
# the pods as the same uid).
USER 10001:10001
# annotation service, CPU worker health/metrics, CPU worker SDK metrics
EXPOSE 8080 9464 9465
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/alc.mjs"]
CMD ["worker", "cpu"]
