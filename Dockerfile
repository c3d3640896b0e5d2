# renkei: a static binary with the 2023 corpus embedded.
#   docker build -t renkei .
#   docker run -p 8080:8080 -v renkei-data:/data -e RENKEI_CONSOLE_TOKEN=... renkei
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The same flags as the CI build step (.ci/run).
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/renkei ./cmd/renkei \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/renkei /renkei
# tzdata is compiled into the binary (time/tzdata); /data holds the SQLite store.
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV RENKEI_ADDR=0.0.0.0:8080 \
    RENKEI_STORE_DSN=/data/renkei.db \
    RENKEI_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/renkei", "health"]
ENTRYPOINT ["/renkei"]
CMD ["serve"]
