# Builds the single Foundations binary (pure Go: no cgo, fonts, templates,
# assets and the course are embedded) and runs it as an unprivileged user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/foundations ./cmd/foundations \
 && /out/foundations courses check

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/foundations /foundations
ENV PORT=3000 DATA_DIR=/data
EXPOSE 3000
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/foundations", "healthcheck"]
ENTRYPOINT ["/foundations"]
