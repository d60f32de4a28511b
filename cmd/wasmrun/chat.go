package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/cases"
	"github.com/wasmadapt/wasmadapt/host/framing"
)

func init() {
	register(&command{name: "chat", usage: "chat MODULE REQUEST.json [--base-url URL] [--api-key-env VAR] [--region R] [--record DIR]",
		help: "run one live exchange through the host and print the events as JSON lines; --record saves it as a golden case", run: runChat})
}

// recorder is an http.RoundTripper that keeps the last response's status,
// headers and raw body as the host read them.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	resp *http.Response
	body bytes.Buffer
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.resp = resp
	r.body.Reset()
	r.mu.Unlock()
	resp.Body = &teeBody{ReadCloser: resp.Body, r: r}
	return resp, nil
}

type teeBody struct {
	io.ReadCloser
	r *recorder
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.r.mu.Lock()
	t.r.body.Write(p[:n])
	t.r.mu.Unlock()
	return n, err
}

func runChat(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	baseURL := fs.String("base-url", "", "provider base URL (default: the module's)")
	keyEnv := fs.String("api-key-env", "", "environment variable holding the API key (AWS modules read the standard AWS_* variables)")
	region := fs.String("region", os.Getenv("AWS_REGION"), "AWS region, for aws-sigv4 modules")
	recordDir := fs.String("record", "", "save the exchange as a golden case in this directory")
	pos, err := parseArgs(fs, args, "MODULE", "REQUEST.json")
	if err != nil {
		return err
	}
	req, err := readRequest(pos[1])
	if err != nil {
		return err
	}
	m, done, err := openModule(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer done()
	caps, err := m.Capabilities(ctx, req.Model)
	if err != nil {
		return err
	}
	var creds host.CredentialSource
	switch {
	case caps.Auth.Scheme == abi.AuthAWSSigV4:
		creds = host.EnvAWS()
	case caps.Auth.Scheme == abi.AuthNone:
	case *keyEnv == "":
		return usagef("module %s authenticates with %q: name the variable holding the key with --api-key-env", caps.Name, caps.Auth.Scheme)
	default:
		if os.Getenv(*keyEnv) == "" {
			return abi.Errorf(abi.CodeAuthentication, "environment variable %s is empty or unset", *keyEnv)
		}
		creds = host.EnvKey(*keyEnv)
	}
	rec := &recorder{next: http.DefaultTransport}
	client := host.NewClient(host.WithLogger(e.logger), host.WithTransport(rec))
	p := host.Provider{Module: m, BaseURL: *baseURL, Credentials: creds, Region: *region}
	var events []abi.Event
	var runErr error
	for ev, err := range client.Stream(ctx, p, req) {
		if err != nil {
			runErr = err
			break
		}
		events = append(events, ev)
		if _, err := e.stdout.Write(append(ev.AppendJSON(nil), '\n')); err != nil {
			return err
		}
	}
	if *recordDir != "" {
		if err := record(ctx, *recordDir, m, req, rec, events, runErr); err != nil {
			return fmt.Errorf("recording the exchange: %w", err)
		}
		fmt.Fprintf(e.stderr, "wasmrun chat: recorded the exchange as a case in %s\n", *recordDir)
	}
	return runErr
}

// record writes the exchange as a case `wasmrun test` runs: the
// normalized request, the projection (which never holds credentials: the
// host adds them after projection), the decompressed body, the status and
// the events the host saw (for an error response, the mapped error).
func record(ctx context.Context, dir string, m engine.Module, req *abi.Request, rec *recorder, events []abi.Event, runErr error) error {
	rec.mu.Lock()
	resp, raw := rec.resp, bytes.Clone(rec.body.Bytes())
	rec.mu.Unlock()
	if resp == nil {
		return fmt.Errorf("no response was received: %v", runErr)
	}
	body := raw
	if enc := resp.Header.Get("Content-Encoding"); enc != "" {
		r, err := framing.Decompress(bytes.NewReader(raw), enc, framing.DefaultDecompressLimit)
		if err != nil {
			return err
		}
		if body, err = io.ReadAll(r); err != nil {
			return err
		}
	}
	pr, err := m.Project(ctx, req)
	if err != nil {
		return err
	}
	meta := cases.Meta{Description: "recorded by wasmrun chat", Framing: pr.StreamFraming}
	if resp.StatusCode != http.StatusOK {
		meta.Status = resp.StatusCode
	}
	if resp.StatusCode >= 400 {
		// The host returned the mapped error as a Go error; the case
		// holds the event map_error gives for the body.
		ev, err := m.MapError(ctx, &abi.ResponseInput{Status: uint32(resp.StatusCode), Body: body})
		if err != nil {
			return err
		}
		events = []abi.Event{ev}
	}
	files := map[string][]byte{cases.FileBody: body, cases.FileEvents: cases.AppendLines(nil, events)}
	for name, v := range map[string]any{cases.FileMeta: meta, cases.FileRequest: req, cases.FileProjection: pr} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		files[name] = append(b, '\n')
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
