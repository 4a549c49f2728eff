# syntax=docker/dockerfile:1
# dpm-operator image: `dpm-operator run` (the operator), `nova-bridge` and `hmc-sim` from one image.
#   docker build -t dpm-operator:0.1.0 .
# Three stages: build (dev dependencies, tsc), deps (production node_modules only), runtime (Node,
# tini, node_modules and dist/src - no sources, no tests, no dev dependencies, no npm).

# Current Node LTS (24), pinned by version on Debian 12 slim. Override with --build-arg NODE_IMAGE=...
# (e.g. a digest-pinned reference of the same tag in your registry).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc emits only JavaScript; runtime assets next to the sources (e.g. the HMC simulator's seed YAML)
# are copied alongside.
RUN npm run build \
 && cd src && find . -type f ! -name '*.ts' -exec cp --parents {} ../dist/src/ \;

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to node (the operator then finishes its reconciles and
# releases its leader Lease) and reaps zombies. npm/corepack are not needed at run time.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/package.json ./package.json
COPY --from=build --chown=0:0 /src/dist/src ./dist/src
# Non-root, numeric (so Kubernetes can verify runAsNonRoot); owns nothing in /app (read-only use).
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/cli.js"]
CMD ["run"]
