# wren in a container: a build stage (TypeScript, all npm deps) and a small runtime stage with only
# the compiled daemon, its production dependencies, the schema and the examples.
#
#   docker build -t wren .
#   docker run -d --name wren --network host --cap-add NET_ADMIN --cap-add NET_BIND_SERVICE \
#     -v /etc/wren:/etc/wren:ro -v /run/wren:/run/wren wren
#   docker exec wren wrenc node status
#
# The daemon runs as the unprivileged user `wren`; the node binary carries file capabilities for
# exactly what it needs (kernel routes over netlink, port 179), so both --cap-add flags are
# required. NODE_IMAGE may name any Debian-based image with Node.js 20 or later; the default is the
# current LTS line (Node 24), on which the unit suite runs in every `npm test` too.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm run bundle && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin iproute2 \
 && setcap cap_net_admin,cap_net_bind_service+ep "$(readlink -f "$(command -v node)")" \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin wren \
 && mkdir -p /etc/wren /run/wren /etc/iproute2/rt_protos.d && chown wren:wren /run/wren
WORKDIR /opt/wren
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY config/wren.schema.json config/*.yaml ./config/
COPY config/iproute2/wren.conf /etc/iproute2/rt_protos.d/wren.conf
COPY LICENSE README.md ./
RUN chmod 755 dist/src/bin/wrend.js dist/src/bin/wrenc.js \
 && ln -s /opt/wren/dist/src/bin/wrenc.js /usr/local/bin/wrenc \
 && ln -s /opt/wren/dist/src/bin/wrend.js /usr/local/bin/wrend \
 && cp config/mesh.yaml /etc/wren/wren.yaml
ARG WREN_VERSION=0.3.0
LABEL org.opencontainers.image.title="wren" \
      org.opencontainers.image.description="BGP routing daemon for Kubernetes hosts, route reflectors and ToR peering (wrend + wrenc)" \
      org.opencontainers.image.version="${WREN_VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
USER wren
VOLUME ["/etc/wren", "/run/wren"]
# Alive and answering on its control socket (the socket CMD names). /healthz on the metrics
# listener is the richer readiness probe when metrics are on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/opt/wren/dist/src/bin/wrenc.js", "--socket", "/run/wren/wren.sock", "--timeout", "4", "show", "status"]
# glibc malloc: fixed mmap/trim thresholds, two arenas (src/daemon/node-flags.ts WREND_ENV).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
ENTRYPOINT ["node", "--max-semi-space-size=2", "--no-concurrent-recompilation", "/opt/wren/dist/src/bin/wrend.js"]
CMD ["--config", "/etc/wren/wren.yaml", "--socket", "/run/wren/wren.sock"]
