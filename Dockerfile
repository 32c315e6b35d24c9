# syntax=docker/dockerfile:1
# plangate container images, two targets from one build stage:
#   docker build -t plangate .                      # `minimal` (the last stage): the static binary alone
#   docker build --target shell -t plangate:shell .  # Alpine with a shell, for GitLab CI jobs
# GitLab runners start every job with a shell, so an image without one cannot
# be a job image; the shell variant also has no ENTRYPOINT for that reason.

# Alpine's Rust targets musl and links statically: the binary needs no libc.
FROM rust:1-alpine3.22 AS build
RUN apk add --no-cache musl-dev gcc
WORKDIR /src
COPY . .
ENV CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols
RUN cargo build --release --locked \
 && cp target/release/plangate /plangate \
 && /plangate --version

# For GitLab CI `image:` (and anything that needs `sh`): Alpine with plangate on PATH.
FROM alpine:3.22 AS shell
COPY --from=build /plangate /usr/local/bin/plangate
RUN plangate --version
CMD ["plangate", "--help"]

# The binary alone: no shell, no libc, no CA store (its TLS roots are compiled
# in). For `docker run`, GitHub Actions container steps and scripts.
FROM scratch AS minimal
COPY --from=build /plangate /plangate
USER 65534:65534
WORKDIR /work
ENTRYPOINT ["/plangate"]
