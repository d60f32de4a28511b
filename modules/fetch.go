package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MaxFetchBytes caps the size of a module Fetch accepts.
const MaxFetchBytes = 64 << 20

// DigestError is a fetched module whose bytes do not have the pinned
// digest: it is refused before anything compiles it.
type DigestError struct {
	URL, Want, Got string
}

// Error names both digests.
func (e *DigestError) Error() string {
	return fmt.Sprintf("modules: %s: refused: the bytes have sha256 %s, the reference pins %s", e.URL, e.Got, e.Want)
}

// Fetch downloads a module over HTTP(S). A URL whose fragment is
// sha256=HEX pins the bytes: a download with another digest is a
// *DigestError (Fetch never returns unverified bytes for a pinned URL).
// client nil means http.DefaultClient; the module is at most
// MaxFetchBytes.
func Fetch(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("modules: %q is not an http(s) URL", rawURL)
	}
	var want string
	if f := u.Fragment; f != "" {
		d, ok := strings.CutPrefix(f, "sha256=")
		if b, err := hex.DecodeString(d); !ok || err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("modules: %s: the fragment must be sha256=<64 hex digits>", rawURL)
		}
		want = strings.ToLower(d)
	}
	u.Fragment = ""
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("modules: fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("modules: fetching %s: HTTP %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxFetchBytes+1))
	if err != nil {
		return nil, fmt.Errorf("modules: fetching %s: %w", u, err)
	}
	if len(b) > MaxFetchBytes {
		return nil, fmt.Errorf("modules: %s is larger than %d bytes", u, MaxFetchBytes)
	}
	if want != "" {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			return nil, &DigestError{URL: u.String(), Want: want, Got: got}
		}
	}
	return b, nil
}
