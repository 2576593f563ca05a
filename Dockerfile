# irsa-fn as a container image, for `container: {image: ...}` in kustomize and `image:` in a
# Kptfile. Static binary, no shell, runs as a non-root user.
#   docker build -t irsa-fn .
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/irsa-fn:<version> --push .
FROM golang:1.26 AS build
ARG VERSION=dev
ARG COMMIT=unknown
ARG TARGETOS=linux
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X github.com/irsa-dev/irsa-fn/internal/version.version=${VERSION} -X github.com/irsa-dev/irsa-fn/internal/version.commit=${COMMIT}" \
      -o /out/irsa-fn .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/irsa-fn /usr/local/bin/irsa-fn
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/irsa-fn"]
