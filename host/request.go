package host

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host/sigv4"
)

// build turns the provider request into an HTTP request with credentials,
// after checking it against the host's rules (policy.go): an allowed
// method, a path that stays under the base URL, no query parameter named
// like the query credential, and only headers the policy allows. Operator
// headers (Provider.Header) win over projected ones.
func (x *exchange) build(ctx context.Context) (*http.Request, error) {
	pr := x.preq
	name := x.caps.Name
	if err := checkMethod(name, pr.Method); err != nil {
		return nil, err
	}
	path := pr.Path
	rawQuery := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, rawQuery = path[:i], path[i+1:]
	}
	bu, err := url.Parse(x.base)
	if err != nil || bu.Scheme == "" || bu.Host == "" || bu.Opaque != "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "base URL %q is not an absolute URL: set Provider.BaseURL to e.g. https://api.example.com", x.base)
	}
	u, err := resolvePath(name, bu, path)
	if err != nil {
		return nil, err
	}
	q, err := url.ParseQuery(bu.RawQuery)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "base URL query: %v", err)
	}
	auth := x.caps.Auth
	queryCred := func(k string) error {
		if auth.Scheme == abi.AuthQuery && k == auth.Name {
			return abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected the query parameter %q, which carries the credential: only the host sets it", name, k)
		}
		return nil
	}
	if rawQuery != "" {
		extra, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected a path with a malformed query: %v", name, err)
		}
		for k, v := range extra {
			if err := queryCred(k); err != nil {
				return nil, err
			}
			q[k] = v
		}
	}
	for k, v := range pr.Query {
		if err := queryCred(k); err != nil {
			return nil, err
		}
		q.Set(k, v)
	}
	authHeader := ""
	if auth.Scheme == abi.AuthHeader {
		authHeader = auth.Name
	}
	if err := checkHeaders(name, pr.Headers, authHeader); err != nil {
		return nil, err
	}
	method := pr.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if len(pr.Body) > 0 {
		body = bytes.NewReader(pr.Body)
	}
	var cred Credential
	if auth.Scheme != abi.AuthNone && auth.Scheme != "" {
		if x.p.Credentials == nil {
			return nil, abi.Errorf(abi.CodeAuthentication, "module %s authenticates with %s but the provider has no credentials: set Provider.Credentials (an API key: host.EnvKey(\"API_KEY_VAR\"); an OAuth2 access token: host.GoogleCredentials, host.AzureEntraFromEnv or host.IBMIAMFromEnv)", x.caps.Name, auth.Scheme)
		}
		cred, err = x.p.Credentials.Credential(ctx)
		x.cred = cred
		if err != nil {
			var ae *abi.Error
			if errors.As(err, &ae) {
				return nil, err
			}
			return nil, abi.Wrap(abi.CodeAuthentication, err, "reading the credential")
		}
	}
	x.secrets = secrets(cred)
	if auth.Scheme == abi.AuthQuery && !cred.Bearer {
		if auth.Name == "" {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s declares the query auth scheme without a parameter name", x.caps.Name)
		}
		q.Set(auth.Name, cred.Key)
	}
	u.RawQuery = q.Encode()
	if auth.Scheme == abi.AuthAWSSigV4 {
		// Re-encode from the escaped form, so that an escaped '/' the
		// module projected inside a segment (a model ARN) stays escaped.
		u.RawPath = sigv4.CanonicalEscapedURI(u.EscapedPath(), false)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, "building the HTTP request")
	}
	for k, v := range pr.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range x.p.Header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Encoding", "gzip, zstd")
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "wasmadapt-host/1")
	}
	scheme := auth.Scheme
	if cred.Bearer && (scheme == abi.AuthHeader || scheme == abi.AuthQuery) {
		scheme = abi.AuthBearer // an OAuth2 token in place of the key
	}
	switch scheme {
	case abi.AuthBearer:
		req.Header.Set("Authorization", "Bearer "+cred.Key)
	case abi.AuthHeader:
		if auth.Name == "" {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s declares the header auth scheme without a header name", x.caps.Name)
		}
		req.Header.Set(auth.Name, auth.Prefix+cred.Key)
	case abi.AuthAWSSigV4:
		if x.p.Region == "" {
			return nil, abi.Errorf(abi.CodeInvalidRequest, "module %s signs with aws-sigv4: set Provider.Region (e.g. us-east-1)", x.caps.Name)
		}
		s := sigv4.Signer{Region: x.p.Region, Service: auth.Service, SingleEncodePath: auth.Service == "s3"}
		err := s.Sign(req, sigv4.PayloadHash(pr.Body), sigv4.Credentials{
			AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken,
		}, x.c.now())
		if err != nil {
			return nil, abi.Wrap(abi.CodeAuthentication, err, "signing the request")
		}
	case abi.AuthQuery, abi.AuthNone, "":
	default:
		return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s declares an unknown auth scheme %q", x.caps.Name, auth.Scheme)
	}
	x.c.log.DebugContext(ctx, "host: sending", slog.String("method", method), slog.String("host", u.Host),
		slog.String("path", u.Path), slog.String("module", x.caps.Name))
	return req, nil
}
