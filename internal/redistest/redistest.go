// Package redistest starts a throwaway redis-server (Debian's
// redis-server package, which scripts/install-test-deps installs) for a
// test: on a loopback port, with its files in the test's temporary
// directory, no persistence, stopped when the test ends. Without the
// program the test skips and says how to get it.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// AddrEnv names a running Redis (host:port) to use instead of starting
// one.
const AddrEnv = "WASMADAPT_REDIS_ADDR"

// Start returns the address of a Redis for tb: AddrEnv's when set, else
// a redis-server started for tb.
func Start(tb testing.TB) string {
	tb.Helper()
	if a := os.Getenv(AddrEnv); a != "" {
		return a
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server is not installed (scripts/install-test-deps installs Debian's redis-server; or set " + AddrEnv + "=host:port)")
	}
	dir := tb.TempDir()
	var last error
	// The free port is found by listening on port 0 and closing: another
	// process may take it in between, so a failed start is retried.
	for range 5 {
		port, err := freePort()
		if err != nil {
			tb.Fatal(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		logf := filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log")
		cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
			"--save", "", "--appendonly", "no", "--logfile", logf, "--daemonize", "no")
		if err := cmd.Start(); err != nil {
			tb.Fatalf("starting redis-server: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if last = waitReady(addr, exited); last == nil {
			tb.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return addr
		}
		cmd.Process.Kill()
		b, _ := os.ReadFile(logf)
		last = fmt.Errorf("%w; its log:\n%s", last, b)
	}
	tb.Fatalf("redis-server did not start: %v", last)
	return ""
}

// waitReady polls addr with PING until it answers or the server exits;
// the bound is generous (a loaded machine starts slowly).
func waitReady(addr string, exited <-chan error) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server exited: %v", err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s did not answer PING within 60s", addr)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
