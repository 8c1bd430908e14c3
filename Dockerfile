# Builds the single Foundations binary (pure Go: no cgo, fonts, templates,
# assets and the course are embedded) and runs it as an unprivileged user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/foundations ./cmd/foundations \
 && /out/foundations courses check \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/foundations /foundations
# The data folder belongs to the runtime user (nonroot is 65532 in
# distroless), so a named volume mounted there starts out writable: the
# generated secret key and the SQLite file go here. The CLI test
# TestRunsAsUnprivilegedUser runs the binary this way without Docker.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PORT=3000 DATA_DIR=/data
EXPOSE 3000
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/foundations", "healthcheck"]
ENTRYPOINT ["/foundations"]
