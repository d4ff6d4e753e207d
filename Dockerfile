# One image for every bankgraph service; docker-compose.yml picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript entry points; it is a runtime dependency, so --omit=dev keeps it.
RUN npm ci --omit=dev --no-audit --no-fund
COPY lib ./lib
COPY legacy ./legacy
COPY connectors ./connectors
COPY subgraphs ./subgraphs
COPY gateway ./gateway
COPY schema ./schema
COPY scripts ./scripts
USER node
# Overridden per service in docker-compose.yml.
CMD ["node", "--import", "tsx", "gateway/index.ts"]
