# kvnode's container image: built on Debian 12 with the same install script as `make`, run as a
# non-root user with only the shared libraries kvnode needs. docs/deploy.md tells how to run it.

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh --build-only
COPY . .
RUN cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DKVACTOR_DEPLOY_TESTS=OFF \
 && cmake --build build/release -j "$(nproc)" --target kvnode

FROM debian:bookworm-slim AS runtime
# The packages are listed in a file of their own, so that the deploy tests can check them
# against what kvnode links.
COPY scripts/runtime-packages.txt /tmp/
RUN apt-get update \
 && sed 's/#.*//' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
RUN groupadd --system --gid 10001 kvnode \
 && useradd --system --uid 10001 --gid kvnode --home-dir /data --no-create-home kvnode \
 && mkdir /data && chown kvnode:kvnode /data
COPY --from=build /src/build/release/bin/kvnode /usr/local/bin/kvnode
COPY deploy/kvnode.toml /etc/kvnode/kvnode.toml
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 8080 5556
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/v1/readiness || exit 1
ENTRYPOINT ["/usr/local/bin/kvnode"]
CMD ["--config", "/etc/kvnode/kvnode.toml"]
