package host_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// refusingAddr returns a loopback address where nothing listens: a port
// just released by a listener.
func refusingAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// rawServer accepts connections on loopback and answers each with reply,
// then closes it; with a nil reply it holds the connection open, silent.
func rawServer(t *testing.T, reply []byte) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if reply == nil {
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
				continue
			}
			c.Write(reply)
			c.Close()
		}
	}()
	return ln
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	addr := refusingAddr(t)
	sl := &sleeps{}
	p := host.Provider{Module: toyModule(t), BaseURL: "http://" + addr, Credentials: host.StaticKey(testKey)}
	_, err := newClient(sl).Generate(context.Background(), p, streamReq("toy-1"))
	ae := requireCode(t, err, abi.CodeUnavailable)
	if !ae.Retryable || !strings.Contains(ae.Message, addr) || !strings.Contains(ae.Message, "refused") {
		t.Errorf("error = %+v", ae)
	}
	if len(sl.get()) != 2 {
		t.Errorf("waits %v: a refused connection is retried", sl.get())
	}
}

func TestDNSFailureNamesTheHost(t *testing.T) {
	// .invalid never resolves (RFC 2606). What the resolver answers
	// depends on the machine (no such host; a timeout or a refusal where
	// no DNS server is reachable): the code is unavailable or timeout,
	// never server_error, and the message names the host. The exact
	// classification is TestNetErrorClassification's.
	p := host.Provider{Module: toyModule(t), BaseURL: "http://api.wasmadapt.invalid", Credentials: host.StaticKey(testKey)}
	_, err := newClient(&sleeps{}).Generate(context.Background(), p, streamReq("toy-1"), host.WithCallRetry(host.RetryPolicy{MaxRetries: -1}))
	ae := requireCode(t, err, abi.CodeOf(err))
	if (ae.Code != abi.CodeUnavailable && ae.Code != abi.CodeTimeout) || !strings.Contains(ae.Message, "api.wasmadapt.invalid") {
		t.Errorf("error = %+v", ae)
	}
	if ae.Retryable && strings.Contains(ae.Message, "does not resolve") {
		t.Errorf("a name that does not exist is not retryable: %+v", ae)
	}
}

func TestTLSToPlainServerIsUnavailableNotRetried(t *testing.T) {
	ln := rawServer(t, []byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	sl := &sleeps{}
	p := host.Provider{Module: toyModule(t), BaseURL: "https://" + ln.Addr().String(), Credentials: host.StaticKey(testKey)}
	_, err := newClient(sl).Generate(context.Background(), p, streamReq("toy-1"))
	ae := requireCode(t, err, abi.CodeUnavailable)
	if ae.Retryable || !strings.Contains(ae.Message, ln.Addr().String()) || !strings.Contains(ae.Message, "TLS") {
		t.Errorf("error = %+v", ae)
	}
}

func TestUntrustedCertificateIsUnavailableNotRetried(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithTLS())
	defer srv.Close()
	sl := &sleeps{}
	_, err := newClient(sl).Generate(context.Background(), provider(toyModule(t), srv), streamReq("toy-1"))
	ae := requireCode(t, err, abi.CodeUnavailable)
	if ae.Retryable || !strings.Contains(ae.Message, "not trusted") || len(sl.get()) != 0 {
		t.Errorf("error = %+v, waits %v", ae, sl.get())
	}
}

func TestCallTimeoutIsTimeoutCode(t *testing.T) {
	// A server that accepts and never answers; the call's total timeout
	// ends it. No verdict depends on the duration: only the code does.
	ln := rawServer(t, nil)
	p := host.Provider{Module: toyModule(t), BaseURL: "http://" + ln.Addr().String(), Credentials: host.StaticKey(testKey)}
	_, err := newClient(nil).Generate(context.Background(), p, streamReq("toy-1"), host.WithTimeout(20*time.Millisecond))
	ae := requireCode(t, err, abi.CodeTimeout)
	if !strings.Contains(ae.Message, "total timeout") {
		t.Errorf("error = %+v", ae)
	}
}
