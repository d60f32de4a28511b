package testenv

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Do sends one request to url with body (nil: none) and the headers, each
// "Name: value", and returns the answer with its whole body read (the
// response's Body is closed). A request that cannot be made, sent or read
// fails tb.
func Do(tb testing.TB, method, url string, body io.Reader, header ...string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}
