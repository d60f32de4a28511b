package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFetch(t *testing.T) {
	body := []byte("\x00asm\x01\x00\x00\x00module bytes")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/openai.wasm" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	ctx := context.Background()
	sum := sha256.Sum256(body)
	pin := hex.EncodeToString(sum[:])
	for _, u := range []string{srv.URL + "/openai.wasm", srv.URL + "/openai.wasm#sha256=" + pin} {
		if b, err := Fetch(ctx, nil, u); err != nil || string(b) != string(body) {
			t.Errorf("Fetch(%s) = %q, %v", u, b, err)
		}
	}
	var de *DigestError
	if _, err := Fetch(ctx, nil, srv.URL+"/openai.wasm#sha256="+strings.Repeat("0", 64)); !errors.As(err, &de) || de.Got != pin {
		t.Errorf("a pin to other bytes: %v", err)
	}
	for _, bad := range []string{srv.URL + "/missing.wasm", srv.URL + "/openai.wasm#sha256=zz", "ftp://x/y.wasm"} {
		if _, err := Fetch(ctx, nil, bad); err == nil {
			t.Errorf("Fetch(%s) succeeded", bad)
		}
	}
}
