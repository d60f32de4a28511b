// Package sigv4 signs HTTP requests with AWS Signature Version 4, as
// described in the AWS General Reference ("Create a signed AWS API
// request"): a canonical request, a string to sign over its hash, a signing
// key derived from the secret by a chain of HMAC-SHA256 over the date,
// region, service and "aws4_request", and an Authorization header.
//
// The host uses it for adapters whose auth scheme is aws-sigv4 (for
// example Bedrock). It is tested against AWS's published SigV4 test suite.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Algorithm is the algorithm name of Signature Version 4.
const Algorithm = "AWS4-HMAC-SHA256"

// EmptyPayloadHash is the hex SHA-256 of an empty body.
const EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// TimeFormat is the layout of the X-Amz-Date header.
const TimeFormat = "20060102T150405Z"

// Credentials are AWS credentials. SessionToken is set for temporary
// credentials (STS) and is sent, signed, as X-Amz-Security-Token.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// String redacts the secret parts so credentials never reach a log.
func (c Credentials) String() string {
	return "sigv4.Credentials{AccessKeyID: " + c.AccessKeyID + ", SecretAccessKey: [redacted]}"
}

// GoString redacts like String.
func (c Credentials) GoString() string { return c.String() }

// Signer signs requests for one service in one region.
type Signer struct {
	// Region is the AWS region, e.g. "us-east-1".
	Region string
	// Service is the signing name of the service, e.g. "bedrock".
	Service string
	// SingleEncodePath makes the canonical URI encode each path segment
	// once. AWS requires it for S3 only; every other service encodes the
	// already-encoded path a second time, which is the default here.
	SingleEncodePath bool
}

// ErrNoCredentials is returned by Sign when the access key or secret is
// empty.
var ErrNoCredentials = errors.New("sigv4: access key id and secret access key are required")

// unsignedHeaders are never signed: they are set or rewritten after signing
// by clients and proxies.
var unsignedHeaders = map[string]bool{
	"authorization":     true,
	"user-agent":        true,
	"x-amzn-trace-id":   true,
	"expect":            true,
	"connection":        true,
	"transfer-encoding": true,
	"content-length":    true,
}

// Sign adds X-Amz-Date, X-Amz-Security-Token (when creds has a session
// token) and Authorization to req. payloadHash is the hex SHA-256 of the
// body (PayloadHash computes it; EmptyPayloadHash for no body). Every
// header present on req at this point is signed, except those a client or
// proxy may rewrite (User-Agent, Content-Length, ...), plus Host.
func (s Signer) Sign(req *http.Request, payloadHash string, creds Credentials, t time.Time) error {
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return ErrNoCredentials
	}
	t = t.UTC()
	req.Header.Set("X-Amz-Date", t.Format(TimeFormat))
	if creds.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", creds.SessionToken)
	}
	creq, signed := s.CanonicalRequest(req, payloadHash)
	scope := Scope(t, s.Region, s.Service)
	sts := StringToSign(t, scope, creq)
	sig := hex.EncodeToString(hmacSHA256(SigningKey(creds.SecretAccessKey, t, s.Region, s.Service), sts))
	req.Header.Set("Authorization", Algorithm+" Credential="+creds.AccessKeyID+"/"+scope+
		", SignedHeaders="+signed+", Signature="+sig)
	return nil
}

// PayloadHash returns the hex SHA-256 of body.
func PayloadHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// Scope returns the credential scope "date/region/service/aws4_request".
func Scope(t time.Time, region, service string) string {
	return t.UTC().Format("20060102") + "/" + region + "/" + service + "/aws4_request"
}

// StringToSign returns the string to sign for a canonical request.
func StringToSign(t time.Time, scope, canonicalRequest string) string {
	h := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + t.UTC().Format(TimeFormat) + "\n" + scope + "\n" + hex.EncodeToString(h[:])
}

// SigningKey derives the signing key from the secret access key.
func SigningKey(secret string, t time.Time, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), t.UTC().Format("20060102"))
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// CanonicalRequest returns the canonical request of req and its signed
// headers list (";"-joined lower-case names).
func (s Signer) CanonicalRequest(req *http.Request, payloadHash string) (creq, signedHeaders string) {
	type hdr struct{ name, value string }
	var hs []hdr
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	hs = append(hs, hdr{"host", host})
	for name, vals := range req.Header {
		ln := strings.ToLower(name)
		if unsignedHeaders[ln] || ln == "host" {
			continue
		}
		tv := make([]string, len(vals))
		for i, v := range vals {
			tv[i] = trimAll(v)
		}
		hs = append(hs, hdr{ln, strings.Join(tv, ",")})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].name < hs[j].name })
	var b strings.Builder
	b.WriteString(req.Method)
	b.WriteByte('\n')
	b.WriteString(CanonicalEscapedURI(req.URL.EscapedPath(), !s.SingleEncodePath))
	b.WriteByte('\n')
	b.WriteString(CanonicalQuery(req.URL.RawQuery))
	b.WriteByte('\n')
	names := make([]string, len(hs))
	for i, h := range hs {
		b.WriteString(h.name)
		b.WriteByte(':')
		b.WriteString(h.value)
		b.WriteByte('\n')
		names[i] = h.name
	}
	signedHeaders = strings.Join(names, ";")
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), signedHeaders
}

// trimAll trims a header value and collapses runs of spaces into one.
func trimAll(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// CanonicalURI encodes the decoded path the way SigV4 wants it: each
// segment URI-encoded (RFC 3986 unreserved characters kept), twice when
// double is set (every service but S3). An empty path is "/".
func CanonicalURI(path string, double bool) string {
	if path == "" {
		return "/"
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		s = URIEncode(s)
		if double {
			s = URIEncode(s)
		}
		segs[i] = s
	}
	return strings.Join(segs, "/")
}

// EncodePath returns the path with each segment URI-encoded once, the form
// to send on the wire (url.URL.RawPath) so that it matches CanonicalURI.
func EncodePath(path string) string { return CanonicalURI(path, false) }

// CanonicalEscapedURI is CanonicalURI for a path as sent on the wire
// (url.URL.EscapedPath): segments are split on the literal '/' first and
// only then decoded, so an escaped slash inside a segment (a resource ARN
// in a path, "%2F") stays inside its segment.
func CanonicalEscapedURI(escaped string, double bool) string {
	if escaped == "" {
		return "/"
	}
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
		s = URIEncode(s)
		if double {
			s = URIEncode(s)
		}
		segs[i] = s
	}
	return strings.Join(segs, "/")
}

// CanonicalQuery returns the canonical query string of a raw query: pairs
// decoded, re-encoded with URIEncode, sorted by key then value, and joined
// with "&" ("k=" for a key without a value).
func CanonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	var pairs []string
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, URIEncode(unescape(k))+"="+URIEncode(unescape(v)))
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// unescape percent-decodes s ('+' stays '+', as AWS reads queries);
// malformed escapes are kept as they are.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

const upperHex = "0123456789ABCDEF"

// URIEncode percent-encodes every byte of s except the RFC 3986 unreserved
// characters A-Z a-z 0-9 - . _ ~, with upper-case hex, as SigV4 requires.
func URIEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
