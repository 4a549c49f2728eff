# dpm-operator image: `dpm-operator run` (the operator), `nova-bridge` and `hmc-sim` from one image.
#   docker build -t dpm-operator:0.1.0 .          (public node: image)
#   npm run image                                  (podman, a local base image; see tools/image.sh)
# Stages: deps (production node_modules), build (+ tsc), runtime (Node, tini, the production
# node_modules and dist/src - no sources, no tests, no dev dependencies, no dev environment).

# Current Node LTS (24), pinned by version on Debian 12 slim. Override with --build-arg NODE_IMAGE=...
# (e.g. a digest-pinned reference of the same tag in your registry). RUNTIME_IMAGE may be the same
# Node without npm (tools/image.sh builds one): npm is not needed at run time, and deleting it in a
# later layer would not make the image smaller.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim
ARG RUNTIME_IMAGE=${NODE_IMAGE}

# Production dependencies, from the lock file. NPM_REGISTRY: the registry to install from; a CA the
# host trusts for it comes in as the build secret `npm-ca` (`--secret id=npm-ca,src=...`), never as a
# layer. npm's download cache is a cache mount: a changed lock file downloads only what changed.
FROM ${NODE_IMAGE} AS deps
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
# package.json is the lock file's own copy of it (its root entry): a change of scripts in the real one
# does not re-install; the build stage copies the real one.
COPY package-lock.json ./
RUN node -e "const l = require('./package-lock.json').packages['']; \
      require('node:fs').writeFileSync('package.json', JSON.stringify(l))"
RUN --mount=type=secret,id=npm-ca --mount=type=cache,id=dpm-npm,target=/root/.npm/_cacache \
    if [ -s /run/secrets/npm-ca ]; then export NPM_CONFIG_CAFILE=/run/secrets/npm-ca; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --registry "$NPM_REGISTRY"

# The compiler and the type packages it needs, at the lock file's versions, in /tsc (linked as
# /node_modules: tsc finds them from /src by walking up); the other dev dependencies (jest, eslint,
# swc, ...) are not needed.
FROM deps AS build
ARG NPM_REGISTRY=https://registry.npmjs.org/
RUN --mount=type=secret,id=npm-ca --mount=type=cache,id=dpm-npm,target=/root/.npm/_cacache \
    if [ -s /run/secrets/npm-ca ]; then export NPM_CONFIG_CAFILE=/run/secrets/npm-ca; fi \
 && mkdir /tsc && cd /tsc && echo '{"private": true}' >package.json \
 && npm install --no-package-lock --ignore-scripts --no-audit --no-fund --registry "$NPM_REGISTRY" \
      $(node -p "const l = require('/src/package-lock.json').packages; \
        ['typescript', '@types/node', '@types/js-yaml'].map((n) => n + '@' + l['node_modules/' + n].version).join(' ')") \
 && ln -s /tsc/node_modules /node_modules
COPY package.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc emits only JavaScript; runtime assets next to the sources (e.g. the HMC simulator's seed YAML)
# are copied alongside. The dev environment (src/devenv) is not part of the image.
RUN /node_modules/.bin/tsc -p tsconfig.build.json \
 && cd src && find . -type f ! -name '*.ts' -exec cp --parents {} ../dist/src/ \; \
 && rm -rf ../dist/src/devenv

FROM ${RUNTIME_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to node (the operator then finishes its reconciles and
# releases its leader Lease) and reaps zombies. The local base image already has it.
# hadolint ignore=DL3008
RUN [ -x /usr/bin/tini ] || { apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*; }
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=0:0 /src/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/package.json ./package.json
COPY --from=build --chown=0:0 /src/dist/src ./dist/src
# Non-root, numeric (so Kubernetes can verify runAsNonRoot); owns nothing in /app (read-only use).
# Writes go to /tmp only (an emptyDir under readOnlyRootFilesystem). No EXPOSE: the ports depend on
# the command (run: 8080 metrics; hmc-sim: 6794, 61612), and are published per container.
USER 65532:65532
# node's flags are src/cli/node-flags.ts's NODE_FLAGS (why there; the benchmark runs the operator with them).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=2", "--optimize-for-size", "dist/src/cli.js"]
CMD ["run"]
