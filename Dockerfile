# syntax=docker/dockerfile:1
#
# The video-usage-exporter image (deploy/README.md has the details):
#
#   docker build -t video-usage-exporter \
#     --build-arg REVISION="$(git rev-parse --short=12 HEAD)" \
#     --build-arg SOURCE=https://example.org/your/repository .
#   docker run -p 9877:9877 \
#     -v "$PWD/config.yml:/etc/video-usage-exporter/config.yml:ro" video-usage-exporter
#   docker run -p 9877:9877 video-usage-exporter --demo
#
# The default command reads /etc/video-usage-exporter/config.yml, so the
# image needs a mounted config; without one it exits at once with
# "/etc/video-usage-exporter/config.yml: cannot read: No such file ...".
# It never falls back to --demo on its own: a config mounted at the wrong
# path must fail loudly, not serve simulated data as if it were real.
# `--demo` as the only argument replaces the default command.
#
# Runtime base: distroless/cc (glibc) rather than a static musl build on
# distroless/static. The binary needs only glibc and libgcc_s (`ldd`: TLS is
# rustls, no OpenSSL), which distroless/cc has; musl's allocator is much
# slower under tokio's worker threads, and the README's memory and latency
# figures were measured with glibc; and the build needs no musl target or C
# cross toolchain for ring. The builder is Debian 12 (bookworm), as is the
# runtime, so the binary asks for no newer glibc than the runtime has.

# Rust 1.95: the toolchain the tests run on. The locked dependencies need
# at least 1.88.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# There is no .git in the build context (.dockerignore): build.rs takes the
# revision for build info from VUE_GIT_REVISION instead.
ARG REVISION=unknown
# BuildKit cache mounts keep the crate registry and the target directory
# between builds, so a source change rebuilds only this crate. The target
# directory is a cache, so the binary is copied out in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    VUE_GIT_REVISION="${REVISION}" cargo build --release --locked --bin video-usage-exporter \
    && install -D -m 0755 target/release/video-usage-exporter /out/video-usage-exporter

FROM gcr.io/distroless/cc-debian12:nonroot
# VERSION is Cargo.toml's version (.ci/deploy checks that they agree).
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="video-usage-exporter" \
      org.opencontainers.image.description="Prometheus exporter for the usage and billing APIs of video streaming providers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/video-usage-exporter /usr/local/bin/video-usage-exporter
# distroless's `nonroot`, numerically, so that Kubernetes' runAsNonRoot can
# verify it without a runAsUser.
USER 65532:65532
EXPOSE 9877
ENTRYPOINT ["/usr/local/bin/video-usage-exporter"]
CMD ["--config.file=/etc/video-usage-exporter/config.yml"]
