# kvnode's container image, with kvctl: built on Debian 12 with the same install script as `make`,
# run as a non-root user with only the shared libraries they load. docs/deploy.md tells how.

# Debian 12 minbase as debian:bookworm-slim, made from the apt mirror: scripts/image/base-image.sh.
FROM localhost/kvactor-base:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh --build-only
COPY . .
RUN cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DKVACTOR_DEPLOY_TESTS=OFF \
 && cmake --build build/release -j "$(nproc)" --target kvnode kvctl

FROM localhost/kvactor-base:bookworm AS runtime
# The packages are listed in a file of their own, so that the deploy tests can check them
# against what kvnode and kvctl link. apt's lists and caches go in the same layer: a base
# without the slim image's apt settings would otherwise keep them, more than doubling the image.
COPY scripts/runtime-packages.txt /tmp/
RUN apt-get update \
 && sed 's/#.*//' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
   /tmp/runtime-packages.txt
RUN groupadd --system --gid 10001 kvnode \
 && useradd --system --uid 10001 --gid kvnode --home-dir /data --no-create-home kvnode \
 && mkdir /data && chown kvnode:kvnode /data
COPY --from=build /src/build/release/bin/kvnode /usr/local/bin/kvnode
COPY --from=build /src/build/release/bin/kvctl /usr/local/bin/kvctl
COPY deploy/kvnode.toml /etc/kvnode/kvnode.toml
# With TLS and tokens, from secrets mounted under /run/secrets: docs/deploy.md.
COPY deploy/kvnode-secure.toml /etc/kvnode/kvnode-secure.toml
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 8080 5556
# Healthy while the HTTP server answers; readiness (503 while replaying the log or draining) is
# for load balancers and Kubernetes' probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["/usr/local/bin/kvctl", "--url", "http://127.0.0.1:8080", "--timeout", "2", "ping"]
ENTRYPOINT ["/usr/local/bin/kvnode"]
CMD ["--config", "/etc/kvnode/kvnode.toml"]
