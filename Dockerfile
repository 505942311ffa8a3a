# One small image for both processes: `node dist/src/server.js` (API) or `node dist/src/worker.js`.
# Node 24 LTS in both stages: Node 20 reached end of life on 2026-04-30 (no more security fixes).
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV MAILER_SKIP_TOOLS=1
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production MAILER_SKIP_TOOLS=1
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
RUN npm ci --omit=dev --ignore-scripts --no-fund --no-audit && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/gemini_logs && chown node:node /app/gemini_logs
USER node
EXPOSE 3000
CMD ["node", "dist/src/server.js"]
