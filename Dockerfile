# Coffer: an S3-compatible server. Data in the /data volume; S3 on port 9000.
#   docker build -t coffer .
#   docker run -p 9000:9000 -v coffer-data:/data coffer
# The root keys are generated on first start and printed (docker logs); set
# COFFER_ACCESS_KEY_ID and COFFER_SECRET_ACCESS_KEY to choose them.

# ---- build: compile TypeScript and the native SQLite binding, keep only runtime dependencies ----
FROM node:20-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary is available for the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY console ./console
# `npm ci` runs the `prepare` script, which builds dist/ (and the web console into dist/console).
RUN npm ci && npm prune --omit=dev

# ---- runtime ----
FROM node:20-slim
ENV NODE_ENV=production \
    COFFER_ADDRESS=0.0.0.0:9000 \
    COFFER_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The image's unprivileged `node` user (uid 1000) owns the data volume.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9000
# Ready = the metadata store answers and the blob store can write (see docs/operations.md). With
# --tls-cert, probe https (or serve the checks on --metrics-address) instead.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9000/_health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/coffer.js"]
CMD ["serve"]
