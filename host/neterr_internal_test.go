package host

import (
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestNetErrorClassification covers the failures a test cannot provoke
// on loopback without depending on timing or on the network.
func TestNetErrorClassification(t *testing.T) {
	u, _ := url.Parse("https://api.example.test:8443/v1")
	for _, tc := range []struct {
		name      string
		err       error
		code      abi.Code
		retryable bool
		says      string
	}{
		{"connect timeout", &url.Error{Op: "Post", URL: u.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}},
			abi.CodeTimeout, true, "connecting to api.example.test:8443 timed out"},
		{"read timeout", &url.Error{Op: "Post", URL: u.String(), Err: &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}},
			abi.CodeTimeout, true, "waiting for a response from api.example.test:8443"},
		{"no such host", &url.Error{Op: "Post", URL: u.String(), Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "api.example.test", IsNotFound: true}}},
			abi.CodeUnavailable, false, "does not resolve"},
		{"dns timeout", &net.DNSError{Err: "timeout", Name: "api.example.test", IsTimeout: true},
			abi.CodeTimeout, true, "resolving api.example.test:8443 timed out"},
		{"dns server failure", &net.DNSError{Err: "server misbehaving", Name: "api.example.test", IsTemporary: true},
			abi.CodeUnavailable, true, "server misbehaving"},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", errConnReset)},
			abi.CodeUnavailable, true, "closed before a response"},
		{"other", errors.New("something odd"), abi.CodeUnavailable, true, "could not reach the provider at https://api.example.test:8443"},
	} {
		e := netError(tc.err, u)
		if e.Code != tc.code || e.Retryable != tc.retryable || !strings.Contains(e.Message, tc.says) || !errors.Is(e, tc.err) {
			t.Errorf("%s: %+v", tc.name, e)
		}
	}
}

var errConnReset = syscall.ECONNRESET
