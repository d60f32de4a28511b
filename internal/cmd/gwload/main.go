// Command gwload measures the gateway's added latency and CPU under a
// sustained open-loop load: requests sent at a constant rate on a fixed
// timeline (request i due at i/rate, whatever the latency of the ones
// before), each one's latency measured from when it was due, so that a
// stalled server cannot slow the load and hide its stall (coordinated
// omission).
//
//	go run ./internal/cmd/gwload [-rates 5000,1000] [-duration 10s] [-warmup 2s] [-executors native,wazero] [-raw bench/raw.txt]
//
// It serves the recorded provider (testdata/openai/stream-text-usage: a
// 6-event SSE answer, 2.2 KB) on a loopback port of its own process, and
// starts the gateway in a child process (this binary again, with
// -child-gateway) so that the gateway's CPU time is its process's alone.
// For each executor (native: the adapter compiled in, no sandbox;
// wazero; wasmtime with -tags wasmtime), each answer shape (whole: the
// client asks stream false and gets one chat.completion object; stream:
// SSE chunks to [DONE]) and each rate, it drives the same load twice,
// back to back: DIRECT at the provider through a host.Client in this
// process (Generate or Stream: the baseline), then through the GATEWAY
// (a POST /v1/chat/completions read whole). Each phase is a warm-up,
// then the measured window. Per phase it reports the achieved rate,
// errors, latency p50/p90/p99/max, how late the generator sent requests,
// CPU time per request (the gateway's process; this process for the
// direct host), and for the gateway its own in-handler time per request
// from its wasmadapt_gateway_overhead_seconds histogram (the time less
// the host's call to the provider: the figure comparable to Bifrost's
// published overhead), read from its /metrics before and after the window.
// It says when the machine did not sustain the rate (requests skipped or
// failed, answers under 98% of the target, or the generator itself
// behind) and prints the load average.
//
// With -raw it appends its results to the raw file `make bench` keeps
// (benchmark lines BenchmarkGatewayOpenLoop/EXECUTOR/SHAPE/rate-N/VIA,
// and configuration lines gwload-*), in place of an earlier run's, from
// which internal/benchreport writes BENCHMARKS.md's open-loop table.
// Nothing in it fails by speed: a rate the machine cannot hold is
// reported as not sustained, with the reasons.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/bench"
)

// The load's request: a short chat completion, as an OpenAI client sends
// it to the gateway (public model "bench"); the gateway routes it to the
// recorded case's provider model.
const (
	caseDir    = "testdata/openai/stream-text-usage"
	publicName = "bench"
	gatewayKey = "wag-load"
	streamBody = `{"model":"bench","stream":true,"messages":[{"role":"user","content":"Say hello in French."}]}`
	wholeBody  = `{"model":"bench","stream":false,"messages":[{"role":"user","content":"Say hello in French."}]}`
	chatPath   = "/v1/chat/completions"
)

type options struct {
	rates               []float64
	warmup, duration    time.Duration
	executors, shapes   []string
	module              string
	maxInflight         int
	maxConns            int
	providerDelay       time.Duration
	raw                 string
	timeout             time.Duration
	childGateway        bool
	executor, provider  string
	cacheDir, listenOne string
}

func main() {
	log.SetFlags(0)
	var o options
	rates := flag.String("rates", "5000", "request rates to drive, a second, comma-separated")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured window of each phase")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up of each phase, at the same rate, not recorded")
	execs := flag.String("executors", "native,wazero", "executors of the adapter: native, wazero, wasmtime (-tags wasmtime)")
	shapes := flag.String("shapes", "whole,stream", "answer shapes: whole (stream false), stream (SSE)")
	flag.StringVar(&o.module, "module", "bin/adapters/openai.wasm", "the openai adapter module (make adapters), for the Wasm executors")
	flag.IntVar(&o.maxInflight, "max-inflight", 4096, "requests outstanding at most; one due past it is skipped and counted")
	flag.IntVar(&o.maxConns, "max-conns", 256, "connections at most from a client to the gateway or the provider (each process's)")
	flag.DurationVar(&o.providerDelay, "provider-delay", 0, "how long the recorded provider waits before answering")
	flag.StringVar(&o.raw, "raw", "", "append the results to this raw benchmark file (bench/raw.txt)")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "a request's timeout (past it, an error)")
	flag.StringVar(&o.cacheDir, "cache-dir", "", "the engine's compilation cache directory")
	flag.BoolVar(&o.childGateway, "child-gateway", false, "(internal) serve the gateway for the parent gwload")
	flag.StringVar(&o.executor, "executor", "native", "(with -child-gateway) the executor")
	flag.StringVar(&o.provider, "provider", "", "(with -child-gateway) the provider's base URL")
	flag.StringVar(&o.listenOne, "listen", "127.0.0.1:0", "(with -child-gateway) the address to listen on")
	flag.Parse()
	ctx := context.Background()
	if o.childGateway {
		if err := serveChild(ctx, &o); err != nil {
			log.Fatalf("gwload gateway: %v", err)
		}
		return
	}
	for _, r := range strings.Split(*rates, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || v <= 0 {
			log.Fatalf("gwload: -rates: %q is not a rate", r)
		}
		o.rates = append(o.rates, v)
	}
	o.executors, o.shapes = strings.Split(*execs, ","), strings.Split(*shapes, ",")
	if err := runAll(ctx, &o); err != nil {
		log.Fatalf("gwload: %v", err)
	}
}

// module is the openai adapter on the executor.
func module(ctx context.Context, o *options, executor string) (engine.Module, func(), error) {
	if executor == "native" {
		m := engine.NewNative("openai", openai.New())
		return m, func() { m.Close(context.Background()) }, nil
	}
	b, err := os.ReadFile(o.module)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (make adapters builds it)", err)
	}
	eng, err := engine.New(ctx, engine.Config{Backend: executor, CacheDir: o.cacheDir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, nil, err
	}
	m, err := eng.Load(ctx, "openai", b)
	if err != nil {
		eng.Close(ctx)
		return nil, nil, err
	}
	return m, func() { eng.Close(context.Background()) }, nil
}

// transport is a keep-alive transport of at most conns connections to
// one host, all kept idle between requests: a request that finds them
// busy waits in the transport (its wait counts in its latency, which
// runs from its due time), where an unbounded pool would open a
// connection per request outstanding and run the processes out of file
// descriptors when the target falls behind.
func transport(conns int) *http.Transport {
	t := host.NewTransport()
	t.MaxConnsPerHost = conns
	t.MaxIdleConns = conns
	t.MaxIdleConnsPerHost = conns
	return t
}

// serveChild is the gateway process: the load's configuration (public
// model "bench" routed to the provider, one key without limits), the
// module on the executor, logs discarded and no tracer (as in the
// benchmarks), until its standard input closes. It prints its URL.
func serveChild(ctx context.Context, o *options) error {
	m, closeM, err := module(ctx, o, o.executor)
	if err != nil {
		return err
	}
	defer closeM()
	c, err := providertest.LoadCase(caseDir)
	if err != nil {
		return err
	}
	model := caseModel(c)
	cfg := &config.Config{
		Models: []config.Model{{Name: publicName, Targets: []config.Target{{Module: "openai", Model: model, BaseURL: o.provider, CredentialEnv: "LOAD_KEY"}}}},
		Keys:   []config.Key{{Name: "load", SHA256: config.HashKey(gatewayKey), Models: []string{"*"}}},
	}
	discard := slog.New(slog.DiscardHandler)
	gw, err := gateway.New(ctx, cfg, gateway.Options{
		Client: host.NewClient(host.WithHTTPClient(&http.Client{Transport: transport(o.maxConns)}), host.WithLogger(discard)),
		Loader: func(context.Context, string) (engine.Module, error) { return m, nil },
		Logger: discard,
		Getenv: func(string) string { return "sk-load" },
	})
	if err != nil {
		return err
	}
	defer gw.Close()
	ln, err := net.Listen("tcp", o.listenOne)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin) // until the parent closes it
	return srv.Close()
}

// caseModel is the provider model of the recorded case's request.
func caseModel(c providertest.Case) string {
	var req abi.Request
	if err := jsonUnmarshal(c.Request, &req); err != nil {
		return ""
	}
	return req.Model
}

// child is a running gateway process.
type child struct {
	cmd   *exec.Cmd
	stdin io.Closer
	url   string
}

// startChild starts this binary as the gateway of executor against
// provider and waits for its URL.
func startChild(o *options, executor, provider string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-child-gateway", "-executor", executor, "-provider", provider, "-module", o.module,
		"-max-conns", strconv.Itoa(o.maxConns)}
	if o.cacheDir != "" {
		args = append(args, "-cache-dir", o.cacheDir)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		in.Close()
		cmd.Wait()
		return nil, fmt.Errorf("the gateway process did not start: %v", err)
	}
	return &child{cmd: cmd, stdin: in, url: strings.TrimSpace(line)}, nil
}

func (c *child) stop() {
	c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		log.Printf("gwload: the gateway process: %v", err)
	}
}

// providerServer serves the recorded answer to every request on a
// loopback port, after delay.
func providerServer(body []byte, delay time.Duration) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if delay > 0 {
			time.Sleep(delay)
		}
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// phase is one measured load: its name's parts and what it measured.
type phase struct {
	executor, shape string
	rate            float64
	via             string // "direct" or "gateway"
	sum             summary
	// cpu is CPU time per request in the window: the gateway's process
	// (gateway) or this one's (direct: the host client, the provider and
	// the generator); client is this process's in a gateway phase.
	cpu, client time.Duration
	// overhead is the gateway's own time per request from its histogram
	// (gateway phases only; ok false when it could not be read).
	overhead   overheadStats
	load       string
	overheadOK bool
}

func runAll(ctx context.Context, o *options) error {
	c, err := providertest.LoadCase(caseDir)
	if err != nil {
		return fmt.Errorf("%w (run from the repository's root)", err)
	}
	var req abi.Request
	if err := jsonUnmarshal(c.Request, &req); err != nil {
		return err
	}
	purl, closeP, err := providerServer(c.Body, o.providerDelay)
	if err != nil {
		return err
	}
	defer closeP()
	start := time.Now()
	fmt.Printf("gwload: %d cores, GOMAXPROCS %d, load average %s; rates %v/s, %v after a %v warm-up, provider delay %v\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), loadAvg(), o.rates, o.duration, o.warmup, o.providerDelay)
	var phases []phase
	for _, ex := range o.executors {
		m, closeM, err := module(ctx, o, ex)
		if err != nil {
			return fmt.Errorf("%s: %w", ex, err)
		}
		ch, err := startChild(o, ex, purl)
		if err != nil {
			closeM()
			return err
		}
		direct := host.NewClient(host.WithHTTPClient(&http.Client{Transport: transport(o.maxConns)}), host.WithLogger(slog.New(slog.DiscardHandler)))
		gc := &http.Client{Transport: transport(o.maxConns), Timeout: o.timeout}
		prov := host.Provider{Module: m, BaseURL: purl, Credentials: host.StaticKey("sk-load")}
		for _, shape := range o.shapes {
			stream := shape == "stream"
			body := wholeBody
			if stream {
				body = streamBody
			}
			directDo := func() error {
				cctx, cancel := context.WithTimeout(ctx, o.timeout)
				defer cancel()
				if !stream {
					_, err := direct.Generate(cctx, prov, &req)
					return err
				}
				for _, err := range direct.Stream(cctx, prov, &req) {
					if err != nil {
						return err
					}
				}
				return nil
			}
			gwDo := func() error { return post(gc, ch.url+chatPath, body, stream) }
			for _, rate := range o.rates {
				p := plan{rate: rate, warmup: o.warmup, duration: o.duration, maxInflight: o.maxInflight}
				for _, via := range []string{"direct", "gateway"} {
					ph := phase{executor: ex, shape: shape, rate: rate, via: via, load: loadAvg()}
					do := directDo
					if via == "gateway" {
						do = gwDo
					}
					measure(p, do, ch, &ph)
					phases = append(phases, ph)
					printPhase(os.Stdout, ph)
				}
			}
		}
		ch.stop()
		closeM()
	}
	fmt.Println()
	writeTable(os.Stdout, phases)
	fmt.Printf("gwload: load average at the end %s; %.0f s\n", loadAvg(), time.Since(start).Seconds())
	if o.raw != "" {
		return appendRaw(o, phases, start)
	}
	return nil
}

// measure runs one phase and fills ph. CPU time per request is the CPU
// the window took over the requests answered in it (at an unsustained
// rate fewer than were due).
func measure(p plan, do func() error, ch *child, ph *phase) {
	var cpu0, self0 time.Duration
	var answered atomic.Int64
	var n0 int64
	var before chan histogram
	gateway := ph.via == "gateway"
	mark := func(start bool) {
		cpu, self, n := procCPU(ch.cmd.Process.Pid), time.Duration(bench.CPUNanos()), answered.Load()
		if start {
			cpu0, self0, n0 = cpu, self, n
			if gateway {
				before = make(chan histogram, 1)
				go func() { before <- scrape(ch.url) }()
			}
			return
		}
		n = max(1, n-n0)
		ph.cpu, ph.client = (cpu-cpu0)/time.Duration(n), (self-self0)/time.Duration(n)
		if !gateway {
			ph.cpu, ph.client = ph.client, 0
		}
	}
	counted := func() error {
		err := do()
		answered.Add(1)
		return err
	}
	samples, ws, last := run(realClock{}, p, counted, func(f func()) { go f() }, mark)
	ph.sum = summarize(p, samples, ws, last)
	if gateway {
		after := scrape(ch.url)
		ph.overhead, ph.overheadOK = after.minus(<-before).stats()
	}
}

// post sends body to url with the load's key and reads the answer whole,
// checking it: 200, and [DONE] at the end of a stream or a
// chat.completion object.
func post(c *http.Client, url, body string, stream bool) error {
	r, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+gatewayKey)
	resp, err := c.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	if stream && !bytes.HasSuffix(b, []byte("data: [DONE]\n\n")) || !stream && !bytes.Contains(b, []byte(`"chat.completion"`)) {
		return errors.New("unexpected answer")
	}
	return nil
}

// procCPU is process pid's user and system CPU time (/proc/PID/stat, in
// clock ticks of 10 ms: over a window of thousands of requests, a few µs
// a request at most); 0 when unreadable.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// The fields after the command's name, which ends with the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// loadAvg is the load averages (internal/bench's LoadAvg).
func loadAvg() string { return bench.LoadAvg() }
