# Build a static renkei binary with the corpus embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/renkei ./cmd/renkei

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/renkei /renkei
USER nonroot
ENTRYPOINT ["/renkei"]
CMD ["serve"]
