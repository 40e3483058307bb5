# sdemu container image: `docker build -t sdemu .` then
# `docker run -p 127.0.0.1:8080:8080 -e SDEMU_ADMIN_TOKEN=choose-one sdemu`.

# --- Build stage -----------------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src

# Dependencies first, in their own cached layer: editing sdemu's sources does not rebuild them.
# Cargo refuses a manifest whose declared [[bench]] targets are missing, so the (small) bench
# sources come along; they are not built here. `.cargo/config.toml`: the build settings of a
# clone (SQLX_OFFLINE=true).
COPY .cargo .cargo
COPY Cargo.toml Cargo.lock ./
COPY benches benches
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# The migrations and the demo fixtures are compiled into the binary; the SQL statements are
# checked against `.sqlx`, the committed query cache, so the build needs no database.
COPY .sqlx .sqlx
COPY migrations migrations
COPY fixtures fixtures
COPY src src
# COPY keeps the context's timestamps, which may be older than the placeholder build.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && mkdir /data

# --- Runtime stage: distroless (glibc, CA certificates, no shell), non-root ------------------
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/sdemu /usr/local/bin/sdemu
# A writable place for `SDEMU_DATABASE=/data/sdemu.db`, owned by the image's non-root user.
COPY --from=build --chown=65532:65532 /data /data
# The control plane: on 0.0.0.0 without SDEMU_ADMIN_TOKEN, sdemu generates an admin token and
# prints it (docker logs); pass -e SDEMU_ADMIN_TOKEN=... to choose it. sdemu writes the
# address it listens on to SDEMU_ADDRESS_FILE, which the HEALTHCHECK reads, so it finds the
# port whatever --port or SDEMU_PORT say.
ENV SDEMU_HOST=0.0.0.0 \
    SDEMU_PORT=8080 \
    SDEMU_ADDRESS_FILE=/tmp/sdemu.address
EXPOSE 8080
VOLUME ["/data"]
USER 65532:65532
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/sdemu", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/sdemu"]
