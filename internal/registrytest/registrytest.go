// Package registrytest runs a real OCI registry for tests: Debian's
// docker-registry package (the CNCF distribution registry) on loopback.
package registrytest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Start runs Debian's docker-registry (the CNCF distribution
// registry) on a loopback port with storage in a temporary directory and
// returns its host:port and storage root. Outside CI a machine without it
// skips, saying so; in CI it is installed.
func Start(t testing.TB) (host, root string) {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil && os.Getenv("CI") != "" {
		install := func() error {
			return exec.Command("apt-get", "install", "-y", "docker-registry").Run()
		}
		if install() != nil {
			exec.Command("apt-get", "update").Run()
			install()
		}
		bin, err = exec.LookPath("docker-registry")
	}
	if err != nil {
		t.Skip("docker-registry is not installed (apt-get install docker-registry): the OCI round trip against a real registry is not tested")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host = l.Addr().String()
	l.Close()
	dir := t.TempDir()
	root = filepath.Join(dir, "storage")
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", root, host)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return host, root
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
