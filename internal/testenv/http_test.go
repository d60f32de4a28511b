package testenv

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDo: the method, the headers ("Name: value", a value may hold ": ")
// and the body reach the server; its status, headers and whole body come
// back.
func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprintf(w, "%s %s|%s|%s|%s", r.Method, r.URL.Path, r.Header.Get("X-A"), r.Header.Get("X-B"), b)
	}))
	defer srv.Close()
	tests := []struct {
		method string
		body   io.Reader
		header []string
		want   string
	}{
		{"GET", nil, nil, "GET /p|||"},
		{"POST", strings.NewReader(`{"a":1}`), []string{"X-A: 1"}, `POST /p|1||{"a":1}`},
		{"PUT", strings.NewReader("x"), []string{"X-A: a: b", "X-B: 2"}, "PUT /p|a: b|2|x"},
	}
	for _, tt := range tests {
		resp, b := Do(t, tt.method, srv.URL+"/p", tt.body, tt.header...)
		if resp.StatusCode != http.StatusTeapot || resp.Header.Get("Content-Type") != "text/plain" || string(b) != tt.want {
			t.Errorf("%s: %d %q %q, want 418 text/plain %q", tt.method, resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.want)
		}
	}
}
