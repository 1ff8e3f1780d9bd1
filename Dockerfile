# license-exporter: multi-stage build, production dependencies only, non-root.
# Build: docker build -t license-exporter .
# Run:   docker run -p 9847:9847 -v $PWD/config.yaml:/etc/license-exporter/config.yaml:ro license-exporter

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The config path is /etc/license-exporter/config.yaml: mount your own over this example.
COPY config/example.yaml /etc/license-exporter/config.yaml
USER node
EXPOSE 9847
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9847/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["--config.file=/etc/license-exporter/config.yaml", "--web.listen-address=:9847"]
