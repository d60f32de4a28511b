package host

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/wasmadapt/wasmadapt/abi"
)

// netError classifies a failure to get a response from u's host into a
// stable code: unavailable (refused, reset, DNS, TLS) or timeout (connect
// or read timeout). The message names the host; err (already redacted) is
// the cause.
func netError(err error, u *url.URL) *abi.Error {
	host := u.Host
	e := &abi.Error{Code: abi.CodeUnavailable, Retryable: true, Err: err}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			e.Retryable = false
			e.Message = "the name " + dnsErr.Name + " of " + host + " does not resolve (DNS): check the base URL"
		case dnsErr.IsTimeout:
			e.Code = abi.CodeTimeout
			e.Message = "resolving " + host + " timed out (DNS); check the network"
		default:
			e.Message = "resolving " + host + " failed (DNS): " + dnsErr.Err + "; check the network"
		}
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		e.Retryable = false
		e.Message = "the TLS certificate of " + host + " is not trusted: " + err.Error() + "; check the base URL, or the transport's TLS settings"
	case errors.As(err, &recErr), errors.As(err, &alert), strings.Contains(err.Error(), "HTTP response to HTTPS client"), strings.Contains(err.Error(), "tls: "):
		e.Retryable = false
		e.Message = "the TLS handshake with " + host + " failed: " + err.Error() + "; check that the base URL's scheme (http or https) matches the server"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Message = "the connection to " + host + " was refused: nothing listens there; check the base URL, or retry later"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Code = abi.CodeTimeout
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			e.Message = "connecting to " + host + " timed out; check the base URL and the network, or retry later"
		} else {
			e.Message = "waiting for a response from " + host + " timed out; retry later"
		}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Message = "the connection to " + host + " was closed before a response: " + err.Error() + "; retry later"
	default:
		e.Message = "could not reach the provider at " + u.Scheme + "://" + host + ": " + err.Error() + "; check the base URL and the network"
	}
	return e
}
