# license-exporter: multi-stage build, production dependencies only, non-root, Node 24 LTS.
# Build: docker build -t license-exporter .
# Run:   docker run -p 9847:9847 -v "$PWD/config.yaml:/etc/license-exporter/config.yaml:ro" license-exporter
# Full instructions (tokens, snapshot archive, read-only root): docs/deployment.md

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# glibc malloc: two arenas instead of 8 per core, and blocks of 128 KiB or more always mmap'd (freed at once)
# with the heap's free top trimmed from 128 KiB: each about 10 MB less RSS in paired bench runs, no more CPU
# (docs/performance.md).
ENV MALLOC_ARENA_MAX=2
ENV MALLOC_MMAP_THRESHOLD_=131072
ENV MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The default config needs no secret (one placeholder cluster): mount your own over it.
COPY config/image.yaml /etc/license-exporter/config.yaml
# A place for the audit snapshot archive (snapshot.directory), writable by the image's user and by group 0:
# OpenShift runs the container with an arbitrary UID in group 0. Mount a volume here to keep the archive.
RUN mkdir -p /var/lib/license-exporter/snapshots \
  && chown -R 1000:0 /var/lib/license-exporter && chmod -R g=u /var/lib/license-exporter
# Numeric, so Kubernetes' runAsNonRoot can verify it (1000 is the image's `node` user).
USER 1000
EXPOSE 9847
# --expose-gc: lets the exporter run V8's memory-reducing GC when its polls go idle and RSS has grown by
# 32 MiB (src/util/heap-trim.ts; off with --runtime.no-heap-trim): V8 otherwise keeps every page its heap grew
# to. --max-semi-space-size=16: V8's young generation grows to 2 x 64 MB under a poll round's allocation rate
# and keeps it; 2 x 16 MB costs no CPU per round and ~100 MB less RSS. Figures: docs/performance.md.
# `npm run bench` and CI read the flags of this ENTRYPOINT and run the exporter with them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9847/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--expose-gc", "--max-semi-space-size=16", "dist/main.js"]
CMD ["--config.file=/etc/license-exporter/config.yaml", "--web.listen-address=:9847"]
