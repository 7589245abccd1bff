# The `gpu` image: the GPU worker (`alc worker gpu`): training through the reference trainer with a
# CUDA PyTorch, and inference through onnxruntime-node's CUDA provider. Built from the repository root:
#   docker build -f deploy/docker/gpu.Dockerfile \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" -t alc-gpu:0.1.0 .
# Base images are pinned by tag and digest (provenance and how to bump them: deploy/README.md).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:1e85773c98c31d4fe5b545e4cb17379e617b348832fb3738b22a08f68dec30f3
# CUDA 12 runtime with cuDNN 9: what onnxruntime-node's CUDA 12 provider loads. PyTorch brings its
# own CUDA libraries (pip wheels); the driver comes from the node (GPU operator).
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04@sha256:ac55d124da4882b497f732d8dfd9a702d5447a5f29d08d56da6f64f0a1eb34bc

# --- Node.js binary, copied into the CUDA image below ---
FROM ${NODE_IMAGE} AS node

# --- production node_modules with onnxruntime-node's CUDA 12 provider ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Install scripts stay off (package.json `allowScripts`); the one script this image needs, the
# download of onnxruntime-node's CUDA provider libraries, runs explicitly. The environment variable
# takes precedence over the `.npmrc` setting that skips it in development.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node node_modules/onnxruntime-node/script/install.js \
 && test -n "$(find node_modules/onnxruntime-node/bin -name 'libonnxruntime_providers_cuda.so*' -print -quit)" \
 && npm cache clean --force

# --- the trainer's virtual environment with a CUDA build of PyTorch ---
FROM ${CUDA_IMAGE} AS python
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY trainer/requirements.txt trainer/requirements.txt
# The PyTorch index of the CUDA version to build against; torch's version comes from
# trainer/requirements.txt so that the image and development train with the same release.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
# Same path as in the runtime stage: a virtual environment is not relocatable. The trainer is run
# as `.venv/bin/python -m trainer` (configs/schema.ts, trainer.command's `{python}`).
RUN python3 -m venv /app/.venv \
 && torch_version="$(sed -n 's/^torch==//p' trainer/requirements.txt)" \
 && test -n "$torch_version" \
 && /app/.venv/bin/pip install --no-cache-dir --disable-pip-version-check \
      --index-url "${TORCH_INDEX_URL}" "torch==${torch_version}" \
 && /app/.venv/bin/pip install --no-cache-dir --disable-pip-version-check -r trainer/requirements.txt

# --- runtime ---
FROM ${CUDA_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="alc-gpu" \
      org.opencontainers.image.description="Active Label Correction on Temporal: GPU worker (training, inference)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"

# The interpreter the virtual environment links to, and tini (reaps the trainer's children and
# forwards SIGTERM so that a running job writes its checkpoint).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 alc \
 && useradd --uid 10001 --gid alc --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin alc

COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=python /app/.venv /app/.venv
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN python3 -m compileall -q trainer

ENV NODE_ENV=production \
    ALC_BUILD_ID=${REVISION} \
    ALC_LISTEN_HOST=0.0.0.0 \
    ALC_TRAINER_DEVICE=cuda \
    ALC_INFERENCE_PROVIDER=cuda \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TMPDIR=/tmp \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache

# A user of its own, by number so that runAsNonRoot can verify it (the Kubernetes manifests run
# the pods as the same uid).
USER 10001:10001
# GPU worker health/metrics, GPU worker SDK metrics
EXPOSE 9466 9467
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/alc.mjs"]
CMD ["worker", "gpu", "--max-activities", "1"]
