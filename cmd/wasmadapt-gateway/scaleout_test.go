package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/internal/redistest"
	"github.com/wasmadapt/wasmadapt/internal/waitctx"
)

// ScaleOutEnv runs TestScaleOut (make test-scaleout sets it): it starts
// processes and needs nginx and redis-server, so the unit run skips it.
const ScaleOutEnv = "WASMADAPT_SCALEOUT"

// gatedProvider is an OpenAI-compatible provider whose streams send
// their first chunk at once and the rest only when release is closed, so
// the test decides when streams are in flight. It records which replica
// (the base URL's path, /rN) sent each request, by the request's tag.
type gatedProvider struct {
	release chan struct{}
	mu      sync.Mutex
	replica map[string]string // request tag -> replica
}

var tagRE = regexp.MustCompile(`req-[0-9a-z-]+`)

func (p *gatedProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	tag := tagRE.FindString(string(b))
	replica, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	p.mu.Lock()
	p.replica[tag] = replica
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	chunk := func(choice, usage string) {
		fmt.Fprintf(w, `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[%s],"usage":%s}`+"\n\n", choice, usage)
		w.(http.Flusher).Flush()
	}
	chunk(`{"index":0,"delta":{"role":"assistant","content":"hello"},"finish_reason":null}`, "null")
	select {
	case <-p.release:
	case <-r.Context().Done():
		return
	}
	chunk(`{"index":0,"delta":{"content":" world"},"finish_reason":null}`, "null")
	chunk(`{"index":0,"delta":{},"finish_reason":"stop"}`, "null")
	chunk(``, `{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}`)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func (p *gatedProvider) replicaOf(tag string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.replica[tag]
}

// outcome is what a client saw of one streamed request.
type outcome struct {
	status  int
	started bool  // the first chunk arrived
	done    bool  // the stream ended with [DONE]
	err     error // reading the stream failed
}

// TestScaleOut runs three gateway processes behind nginx, sharing one
// Redis for their limits; sends more concurrent streamed requests than
// the key's requests_per_minute; kills one replica while its streams are
// in flight; and checks that the replicas together admitted exactly the
// limit, that the killed replica's streams failed with an error (no
// [DONE]) and that every other admitted stream completed. Then requests
// of an unlimited key all succeed on the two replicas left (nginx retries
// the dead one's connect failures). Every verdict is on counts; waits
// are polls with generous bounds.
func TestScaleOut(t *testing.T) {
	if os.Getenv(ScaleOutEnv) != "1" {
		t.Skip("the scale-out test runs in make test-scaleout (" + ScaleOutEnv + "=1): it starts nginx, redis-server and three gateway processes")
	}
	nginx := lookNginx(t)
	mods, _ := filepath.Abs(filepath.Join("..", "..", "bin", "adapters"))
	if _, err := os.Stat(filepath.Join(mods, "openai.wasm")); err != nil {
		t.Fatalf("bin/adapters/openai.wasm is not built (make test-scaleout builds it): %v", err)
	}
	redisAddr := redistest.Start(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "wasmadapt-gateway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	prov := &gatedProvider{release: make(chan struct{}), replica: map[string]string{}}
	psrv := httptest.NewServer(prov)
	defer psrv.Close()
	defer func() {
		select {
		case <-prov.release:
		default:
			close(prov.release)
		}
	}()

	const (
		limit       = 24 // the limited key's requests_per_minute
		load        = 36 // concurrent streamed requests of that key
		after       = 12 // requests of the unlimited key after the kill
		limitedKey  = "wag-scaleout-limited"
		unlimitKey  = "wag-scaleout-unlimited"
		replicas    = 3
		killReplica = 1 // index of the replica killed (r2)
	)
	var ports [replicas]int
	var gws [replicas]*exec.Cmd
	for i := range replicas {
		ports[i] = freePort(t)
		cfg := fmt.Sprintf(`listen: 127.0.0.1:%d
models:
  - name: m
    targets:
      - module: openai
        model: gpt-4.1-mini
        base_url: %s/r%d
        credential_env: SCALEOUT_PROVIDER_KEY
keys:
  - name: limited
    sha256: %s
    models: ["*"]
    limits:
      requests_per_minute: %d
  - name: unlimited
    sha256: %s
    models: ["*"]
redis:
  addr: %s
  key_prefix: scaleout:%d
`, ports[i], psrv.URL, i+1, config.HashKey(limitedKey), limit, config.HashKey(unlimitKey), redisAddr, time.Now().UnixNano()/int64(time.Hour))
		p := filepath.Join(dir, fmt.Sprintf("gw%d.yaml", i+1))
		if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("gw%d.log", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-config", p, "-modules", mods, "-cache-dir", filepath.Join(dir, "cache"), "-grace", "1s")
		cmd.Env = append(os.Environ(), "SCALEOUT_PROVIDER_KEY=not-a-secret")
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		gws[i] = cmd
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("%s:\n%s", logf.Name(), tail(b, 40))
			}
		})
	}
	for i := range replicas {
		waitOK(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[i]))
	}
	front := startNginx(t, nginx, dir, ports[:])
	waitOK(t, front+"/healthz")

	// A window of requests_per_minute is a wall-clock minute: the load
	// should fall in one. If it spans k minutes the bound is k x limit
	// (the verdict stays right; it only tests less).
	startMinute := time.Now().Unix() / 60
	results := make([]outcome, load)
	var decided sync.WaitGroup
	var finished sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Minute}
	for i := range load {
		decided.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			stream(client, front, limitedKey, fmt.Sprintf("req-%d", i), &results[i], decided.Done)
		}()
	}
	waitGroup(t, &decided, "every client to get its status or its first chunk")
	endMinute := time.Now().Unix() / 60
	var admitted, denied int
	for i, r := range results[:load] {
		switch {
		case r.status == 200 && r.started:
			admitted++
		case r.status == 429:
			denied++
		default:
			t.Errorf("request %d: status %d, started %v, err %v", i, r.status, r.started, r.err)
		}
	}
	windows := int(endMinute - startMinute + 1)
	t.Logf("%d admitted, %d refused with 429 across %d replicas (limit %d a minute; %d window(s))", admitted, denied, replicas, limit, windows)
	if windows == 1 && admitted != limit {
		t.Fatalf("admitted %d streams, want exactly the limit %d", admitted, limit)
	}
	if admitted > windows*limit || admitted+denied != load {
		t.Fatalf("admitted %d, refused %d of %d: over the limit %d x %d window(s)", admitted, denied, load, limit, windows)
	}

	// Kill one replica while its streams are in flight, then let the
	// provider finish every stream.
	if err := gws[killReplica].Process.Kill(); err != nil {
		t.Fatal(err)
	}
	gws[killReplica].Wait()
	close(prov.release)
	waitGroup(t, &finished, "every stream to end")
	var onKilled, completed int
	var killedErr error
	for i := range load {
		r := results[i]
		if r.status != 200 {
			continue
		}
		tag := fmt.Sprintf("req-%d", i)
		if prov.replicaOf(tag) == fmt.Sprintf("r%d", killReplica+1) {
			onKilled++
			killedErr = r.err
			if r.done || r.err == nil {
				t.Errorf("%s was on the killed replica but ended without an error (done %v, err %v)", tag, r.done, r.err)
			}
			continue
		}
		if !r.done || r.err != nil {
			t.Errorf("%s (replica %q) did not complete: done %v, err %v", tag, prov.replicaOf(tag), r.done, r.err)
		}
		completed++
	}
	t.Logf("killed replica r%d: %d of its streams failed with an error (%v); %d streams on the other replicas completed", killReplica+1, onKilled, killedErr, completed)
	if onKilled == 0 {
		t.Errorf("no admitted stream was on the killed replica (nginx round-robins: expected about a third)")
	}

	// After the kill every request succeeds: nginx retries the dead
	// replica's refused connections on the others.
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range after {
		wg.Go(func() {
			var r outcome
			stream(client, front, unlimitKey, fmt.Sprintf("req-after-%d", i), &r, func() {})
			if r.status == 200 && r.done && r.err == nil {
				ok.Add(1)
			} else {
				t.Errorf("after the kill, request %d: status %d, done %v, err %v", i, r.status, r.done, r.err)
			}
		})
	}
	wg.Wait()
	t.Logf("after the kill: %d of %d requests succeeded", ok.Load(), after)
}

// stream sends one streamed chat request with key through front and reads
// it to its end into o; decided is called once the status is known (and,
// for a 200, the first chunk arrived), after which o's status and
// started are set and not written again.
func stream(c *http.Client, front, key, tag string, o *outcome, decided func()) {
	once := sync.OnceFunc(decided)
	defer once()
	body := fmt.Sprintf(`{"model":"m","stream":true,"messages":[{"role":"user","content":"%s"}]}`, tag)
	req, _ := http.NewRequest("POST", front+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		o.err = err
		return
	}
	defer resp.Body.Close()
	o.status = resp.StatusCode
	if resp.StatusCode != 200 {
		io.Copy(io.Discard, resp.Body)
		return
	}
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if strings.HasPrefix(line, "data: ") && !o.started {
			o.started = true
			once()
		}
		if strings.TrimSpace(line) == "data: [DONE]" {
			o.done = true
		}
		if err != nil {
			if !errors.Is(err, io.EOF) || !o.done {
				o.err = fmt.Errorf("stream: %w", err)
				if errors.Is(err, io.EOF) {
					o.err = fmt.Errorf("stream ended without [DONE]: %w", io.ErrUnexpectedEOF)
				}
			}
			return
		}
	}
}

func lookNginx(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	t.Skip("nginx is not installed (scripts/install-test-deps installs Debian's nginx)")
	return ""
}

// startNginx runs nginx in the foreground with a configuration in dir:
// one loopback port in front of the gateways' ports, as the current
// user, every path under dir. It returns the front URL.
func startNginx(t *testing.T, bin, dir string, ports []int) string {
	t.Helper()
	front := freePort(t)
	var servers strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&servers, "    server 127.0.0.1:%d;\n", p)
	}
	user := ""
	if os.Getuid() == 0 {
		user = "user root;" // workers as the current user, not nobody
	}
	conf := fmt.Sprintf(`%s
daemon off;
master_process on;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/nginx-error.log info;
events { worker_connections 1024; }
http {
  access_log %[2]s/nginx-access.log;
  client_body_temp_path %[2]s/nginx-body;
  proxy_temp_path %[2]s/nginx-proxy;
  fastcgi_temp_path %[2]s/nginx-fastcgi;
  uwsgi_temp_path %[2]s/nginx-uwsgi;
  scgi_temp_path %[2]s/nginx-scgi;
  upstream gateways {
%[3]s  }
  server {
    listen 127.0.0.1:%[4]d;
    location / {
      proxy_pass http://gateways;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      # Retry on the next replica only when the connection failed (the
      # request never reached a gateway); a POST that reached one is
      # never sent twice.
      proxy_next_upstream error;
      proxy_read_timeout 300s;
    }
  }
}
`, user, dir, servers.String(), front)
	p := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(p, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", p, "-e", filepath.Join(dir, "nginx-error.log"))
	out, _ := os.Create(filepath.Join(dir, "nginx.out"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "nginx-error.log"))
			t.Logf("nginx error log:\n%s", tail(b, 40))
		}
	})
	return fmt.Sprintf("http://127.0.0.1:%d", front)
}

// waitOK polls url until it answers 200; the bound is generous (a loaded
// machine compiles the module slowly).
func waitOK(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within 3 minutes (last: %v)", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitGroup waits for wg with a generous bound.
func waitGroup(t *testing.T, wg *sync.WaitGroup, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if waitctx.Wait(ctx, wg) != nil {
		t.Fatalf("waited 5 minutes for %s", what)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
