# The Breakwater collector, built from this repository (context: the repository root).
#   docker build -f examples/deploy/collector.Dockerfile -t breakwater/collector:local .
# compose.yaml builds it for you. State (the node:sqlite store) lives in /app/.breakwater.
FROM node:24-bookworm-slim
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx turbo run build --filter=@breakwater/collector... \
 && mkdir -p /app/.breakwater \
 && chown node:node /app/.breakwater
USER node
EXPOSE 4318
VOLUME ["/app/.breakwater"]
ENTRYPOINT ["node", "collector/bin/breakwater.js"]
# Off loopback the collector requires bearer tokens: see compose.yaml and .env.example.
CMD ["serve", "--listen", "0.0.0.0:4318"]
