// Command sdkgateway serves the official-SDK tests' gateway (package
// sdkgateway) for clients in other languages: it prints one JSON line
// {"url":...,"key":...,"model":...,"limited_model":...,"embed_model":...,
// "count_model":...} on stdout once the gateway listens, and serves until
// SIGTERM, SIGINT or the end of its standard input (so it stops with the
// script that started it).
//
// Usage (from gateway/sdktest):
//
//	go run ./cmd/sdkgateway [-cases ../../cmd/wasmrun/testdata/demo]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/wasmadapt/wasmadapt/gateway/sdktest/sdkgateway"
)

func main() {
	cases := flag.String("cases", "../../cmd/wasmrun/testdata/demo", "the demo's recorded cases")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	g, err := sdkgateway.Start(ctx, *cases, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkgateway:", err)
		os.Exit(1)
	}
	defer g.Close()
	json.NewEncoder(os.Stdout).Encode(map[string]string{
		"url": g.URL, "key": sdkgateway.Key, "model": sdkgateway.Model, "limited_model": sdkgateway.LimitedModel,
		"embed_model": sdkgateway.EmbedModel, "count_model": sdkgateway.CountModel,
	})
	stdinClosed := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	select {
	case <-ctx.Done():
	case <-stdinClosed:
	}
}
