# The gateway's container image: distroless/static, nonroot (65532), no
# shell; wasmadapt-gateway and wasmrun (static binaries) and the embedded
# demo. With no arguments it serves the demo (the model demo-weather from a
# recorded provider, no provider key) on port 8080 and prints a gateway
# key; deploy/k8s/deployment.yaml runs it with -config instead.
#
#   docker build -t wasmadapt-gateway .
#   docker run --rm -p 8080:8080 wasmadapt-gateway
#
# Without a container engine, `make image` builds the same image (same
# paths, user, entrypoint and command; deploy/image, whose test checks this
# file against it) as an OCI image layout in bin/image/oci, and pushes it
# with IMAGE=HOST/REPO:TAG.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -o /out/wasmadapt-gateway ./cmd/wasmadapt-gateway && \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -o /out/wasmrun ./cmd/wasmrun && \
    GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false -o /out/openai.wasm ./adapters-wasm/openai/module

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wasmadapt-gateway /usr/local/bin/wasmadapt-gateway
COPY --from=build /out/wasmrun /usr/local/bin/wasmrun
COPY --from=build /out/openai.wasm /usr/share/wasmadapt/adapters/openai.wasm
COPY cmd/wasmrun/testdata/demo /usr/share/wasmadapt/demo
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/wasmadapt-gateway"]
CMD ["-demo", "-demo-cases=/usr/share/wasmadapt/demo", "-modules=/usr/share/wasmadapt/adapters", "-listen=0.0.0.0:8080"]
