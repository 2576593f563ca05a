# irsa-fn as a container image, for `container: {image: ...}` in kustomize and `image:` in a
# Kptfile: the static binary that `make build-linux` wrote for the target architecture
# (bin/linux_amd64/irsa-fn, bin/linux_arm64/irsa-fn), on a base with no shell, run as nonroot.
# Nothing is compiled here, so a multi-arch build needs no emulation:
#   make build-linux
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=<version> --build-arg REVISION=<commit> -t <registry>/irsa-fn:<version> --push .
# `make image` builds localhost/irsa-fn:dev with podman, offline (see the README).

# The base: distroless static, nonroot flavour. It must have the users nonroot (65532) and
# nobody (65534), which kustomize runs functions as.
ARG BASE=gcr.io/distroless/static-debian12:nonroot

FROM ${BASE}
# Set by buildx and podman from --platform (amd64, arm64).
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="irsa-fn" \
      org.opencontainers.image.description="KRM function for kustomize, kpt and Argo CD: IRSA ServiceAccounts, patched workloads and IAM roles from IRSABindings" \
      org.opencontainers.image.source="https://github.com/irsa-dev/irsa-fn" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY bin/${TARGETOS}_${TARGETARCH}/irsa-fn /usr/local/bin/irsa-fn
# nonroot, by number so that a pod's runAsNonRoot can check it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/irsa-fn"]
