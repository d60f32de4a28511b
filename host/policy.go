package host

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The host's rules for what a module may put in a provider request: the
// module decides what the authenticated request says, but not where it
// goes, how it is sent, or which credentials ride along. Every refusal is
// adapter_bad_output naming the rule, before anything is sent.

// AllowedMethods are the HTTP methods a module may project: what provider
// APIs use. Anything else (TRACE, CONNECT, OPTIONS, PUT, PATCH, ...) is
// refused: TRACE would make a server echo the authenticated request,
// credential included, into the body handed to the module.
var AllowedMethods = []string{http.MethodGet, http.MethodPost, http.MethodDelete}

// checkMethod refuses a method outside AllowedMethods ("" means POST).
func checkMethod(module, method string) error {
	if method == "" {
		return nil
	}
	for _, m := range AllowedMethods {
		if m == method {
			return nil
		}
	}
	return abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected method %q: the host sends only GET, POST and DELETE", module, method)
}

// resolvePath joins a projected path (without its query) to the base URL
// and checks that the result stays inside it: same scheme and host, and a
// path under the base URL's path (the base URL's user info is kept). The path must start with
// "/" and may not hold empty segments (a leading "//host"), dot segments
// (also percent-encoded, also inside an encoded "/"), backslashes, a
// segment starting with "@", control characters or a fragment. Percent
// escapes are kept as projected (an escaped "/" inside a segment, such as
// a model ARN, stays escaped).
func resolvePath(module string, base *url.URL, path string) (*url.URL, error) {
	bad := func(why string) error {
		return abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected path %q, which %s: a path is relative to the provider's base URL and stays under it", module, path, why)
	}
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") {
		return nil, bad("does not start with /")
	}
	if strings.ContainsAny(path, "\\#") {
		return nil, bad("holds a backslash or a fragment")
	}
	segs := strings.Split(path[1:], "/")
	for i, s := range segs {
		if s == "" && i != len(segs)-1 {
			return nil, bad("holds an empty segment (//)")
		}
		if strings.HasPrefix(s, "@") {
			return nil, bad("has a segment starting with @")
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, bad("holds a malformed percent escape")
		}
		for _, c := range []byte(d) {
			if c < 0x20 || c == 0x7f || c == '\\' {
				return nil, bad("holds a control character or a backslash")
			}
		}
		for _, part := range strings.Split(d, "/") {
			if part == "." || part == ".." {
				return nil, bad("holds a dot segment (. or .., possibly percent-encoded)")
			}
		}
	}
	prefix := strings.TrimRight(base.EscapedPath(), "/")
	u, err := url.Parse(base.Scheme + "://" + base.Host + prefix + path)
	if err != nil {
		return nil, bad("does not form a valid URL with the base URL (" + err.Error() + ")")
	}
	if u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.EscapedPath(), prefix+"/") {
		return nil, bad("leaves the base URL")
	}
	u.User = base.User // the operator's, if any
	return u, nil
}

// deniedHeaders are request headers a module may not project, by lower-case
// name: hop-by-hop and framing headers, proxy headers, cookies, forwarding
// headers, and the credential headers of every auth scheme the host knows.
var deniedHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true,
	"keep-alive": true, "te": true, "trailer": true, "upgrade": true, "expect": true,
	"accept-encoding": true, "proxy-authorization": true, "proxy-authenticate": true,
	"proxy-connection": true, "cookie": true, "cookie2": true, "set-cookie": true,
	"forwarded": true, "via": true, "x-real-ip": true, "x-client-ip": true, "true-client-ip": true,
	"authorization": true, "www-authenticate": true, "x-api-key": true, "api-key": true,
	"x-goog-api-key": true, "ocp-apim-subscription-key": true, "x-auth-token": true,
	"x-access-token": true, "x-session-token": true, "x-csrf-token": true,
}

// deniedHeaderPrefixes refuse whole families: proxy and forwarding
// headers, and the AWS headers SigV4 signs (X-Amz-Security-Token,
// X-Amz-Date, X-Amz-Content-Sha256...).
var deniedHeaderPrefixes = []string{"proxy-", "x-forwarded-", "x-amz-", "x-original-", "x-envoy-"}

// deniedHeaderWords refuse any header whose name says it carries a secret.
var deniedHeaderWords = []string{"auth", "api-key", "apikey", "token", "secret", "password", "credential", "cookie"}

// HeaderAllowed reports whether a module may project a request header of
// that name (any case), given the name of the module's own credential
// header (auth scheme "header"; "" otherwise). The rule, also in
// abi/README.md: a name must be an HTTP token and must not be a
// hop-by-hop, framing, proxy, cookie or forwarding header, Host, or a
// credential header of any scheme (Authorization, X-Api-Key, Api-Key,
// X-Goog-Api-Key, any X-Amz-*, and any name containing auth, api-key,
// token, secret, password, credential or cookie).
func HeaderAllowed(name, authHeader string) bool {
	if !isToken(name) {
		return false
	}
	n := strings.ToLower(name)
	if deniedHeaders[n] || (authHeader != "" && strings.EqualFold(n, authHeader)) {
		return false
	}
	for _, p := range deniedHeaderPrefixes {
		if strings.HasPrefix(n, p) {
			return false
		}
	}
	for _, w := range deniedHeaderWords {
		if strings.Contains(n, w) {
			return false
		}
	}
	return true
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// checkHeaders refuses projected headers the policy does not allow, and
// values holding control characters (CR, LF, NUL).
func checkHeaders(module string, h map[string]string, authHeader string) error {
	for k, v := range h {
		if !HeaderAllowed(k, authHeader) {
			return abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected header %q, which only the host or the operator sets (hop-by-hop, proxy, cookie, forwarding, Host or credential headers are refused)", module, k)
		}
		for _, c := range []byte(v) {
			if (c < 0x20 && c != '\t') || c == 0x7f {
				return abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected header %q with a control character in its value", module, k)
			}
		}
	}
	return nil
}

// ErrRedirect is the cause (errors.Is) of the error returned when a
// provider answers with a redirect: the host never follows one, so that
// credentials are never sent to another URL. Point Provider.BaseURL at the
// final URL instead.
var ErrRedirect = errors.New("host: the provider answered with a redirect, which the host does not follow")

// noRedirect is the CheckRedirect of every client's HTTP client: the
// redirect response itself is returned, and turned into an error.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectError is the error for a 3xx response.
func redirectError(status int, h http.Header) error {
	where := "no Location"
	if loc, err := url.Parse(h.Get("Location")); err == nil && loc.String() != "" {
		loc.RawQuery, loc.Fragment, loc.User = "", "", nil
		where = "Location " + loc.String()
	}
	return &abi.Error{Code: abi.CodeInvalidRequest, Status: status, Err: ErrRedirect,
		Message: "the provider answered HTTP " + http.StatusText(status) + " (" + where + "); the host does not follow redirects, so that credentials never go to another URL: set Provider.BaseURL to the final URL"}
}

// ErrCredentialEchoed is the cause (errors.Is) of the error returned when
// a response (headers, body or a stream event) contains the secret the
// host sent: it is never handed to the module.
var ErrCredentialEchoed = errors.New("host: the response contains the credential the host sent")

// minSecretLen is the shortest secret the host looks for in responses;
// shorter ones would match ordinary bytes.
const minSecretLen = 8

// secrets returns the parts of cred worth looking for in a response.
func secrets(cred Credential) [][]byte {
	var out [][]byte
	for _, s := range []string{cred.Key, cred.SecretAccessKey, cred.SessionToken} {
		if len(s) >= minSecretLen {
			out = append(out, []byte(s))
		}
	}
	return out
}

// echoed reports whether any part of b contains one of the secrets.
func echoed(secrets [][]byte, b ...[]byte) bool {
	for _, s := range secrets {
		for _, p := range b {
			if bytes.Contains(p, s) {
				return true
			}
		}
	}
	return false
}

// echoError is the error for a response that contains the credential.
func echoError(status int) error {
	return &abi.Error{Code: abi.CodeServerError, Status: status, Err: ErrCredentialEchoed,
		Message: "the provider's response contains the credential the host sent; it was not passed to the module (a module projected a request the provider echoes, or the provider leaks keys)"}
}

// ErrNotAPIResponse is the cause (errors.Is) of the error returned for a
// 2xx answer that is an HTML page (a captive portal, a gateway's login or
// error page): no provider API answers with one, and it is not retried.
var ErrNotAPIResponse = errors.New("host: the 2xx answer is an HTML page, not a provider API response")

// notAnAPIAnswer refuses a 2xx response whose Content-Type is HTML.
func notAnAPIAnswer(resp *http.Response) error {
	ct := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Type")))
	if !strings.HasPrefix(ct, "text/html") && !strings.HasPrefix(ct, "application/xhtml") {
		return nil
	}
	return &abi.Error{Code: abi.CodeServerError, Status: resp.StatusCode, Err: ErrNotAPIResponse,
		Message: "the provider answered HTTP " + strconv.Itoa(resp.StatusCode) + " with an HTML page (Content-Type " + ct + "), not an API response: check the base URL and any proxy in between; not retried"}
}
