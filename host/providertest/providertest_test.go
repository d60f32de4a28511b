package providertest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeCase(t *testing.T, dir, name string, files map[string]string) {
	t.Helper()
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(d, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func post(t *testing.T, url, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestLoadCasesAndMatchByProjection(t *testing.T) {
	dir := t.TempDir()
	writeCase(t, dir, "a-stream", map[string]string{
		"case.json":       `{"description":"a"}`,
		"projection.json": `{"method":"POST","path":"/v1/chat","stream_framing":"sse","body":{"model":"m","stream":true}}`,
		"body":            "data: A\n\n",
		"events.jsonl":    `{"type":"text-delta","text":"A"}` + "\n",
	})
	writeCase(t, dir, "b-whole", map[string]string{
		"case.json":       `{"status":200,"framing":"none"}`,
		"projection.json": `{"method":"POST","path":"/v1/chat","stream_framing":"none","body":{"model":"m"}}`,
		"body":            `{"text":"B"}`,
	})
	writeCase(t, dir, "c-error", map[string]string{"case.json": `{"status":429,"framing":"none"}`, "body": `{"error":{}}`})
	if err := os.MkdirAll(filepath.Join(dir, "not-a-case"), 0o755); err != nil {
		t.Fatal(err)
	}
	cs, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[0].Name != "a-stream" || cs[0].Framing != "sse" || cs[1].Framing != "none" || cs[2].Status != 429 {
		t.Fatalf("cases = %+v", cs)
	}
	srv := NewServer(cs)
	defer srv.Close()

	resp, body := post(t, srv.URL+"/v1/chat", `{"stream": true, "model": "m"}`, nil)
	if body != "data: A\n\n" || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream match: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = post(t, srv.URL+"/v1/chat", `{"model":"m"}`, nil)
	if body != `{"text":"B"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("whole match: %q", body)
	}
	resp, body = post(t, srv.URL+"/v1/chat", `{"model":"other"}`, nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "a-stream, b-whole, c-error") {
		t.Errorf("no match: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, srv.URL+"/anything", `x`, map[string]string{"X-Providertest-Case": "c-error"})
	if resp.StatusCode != 429 || body != `{"error":{}}` {
		t.Errorf("named case: %d %s", resp.StatusCode, body)
	}
	reqs := srv.Requests()
	if len(reqs) != 4 || reqs[0].Case != "a-stream" || reqs[2].Case != "" || reqs[2].Status != 404 || reqs[3].Status != 429 {
		t.Errorf("recorded = %+v", reqs)
	}
}

func TestSequenceFailuresGzipAndCuts(t *testing.T) {
	body := bytes.Repeat([]byte("data: 0123456789\n\n"), 50)
	cs := []Case{{Name: "1", Framing: "sse", Body: body}, {Name: "2", Framing: "none", Body: []byte(`{}`)}}
	srv := NewServer(cs, WithSequence(), WithFailures(RateLimited("2")), WithCuts(7, 13), WithGzip())
	defer srv.Close()
	resp, _ := post(t, srv.URL, "{}", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("failure: %d %v", resp.StatusCode, resp.Header)
	}
	resp, got := post(t, srv.URL, "{}", map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != 200 || got != string(body) || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("case 1: %d, %d bytes, %v", resp.StatusCode, len(got), resp.Header)
	}
	if _, got = post(t, srv.URL, "{}", nil); got != `{}` {
		t.Errorf("case 2: %q", got)
	}
	if resp, _ = post(t, srv.URL, "{}", nil); resp.StatusCode != 410 {
		t.Errorf("past the sequence: %d", resp.StatusCode)
	}
}

func TestDropAfterCutsTheBody(t *testing.T) {
	srv := NewServer([]Case{{Name: "1", Framing: "sse", Body: bytes.Repeat([]byte("x"), 1000)}}, WithDropAfter(100))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil || len(b) != 100 {
		t.Errorf("read %d bytes, err %v; want 100 and an error", len(b), err)
	}
}

func TestRealTestdataLoads(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*"))
	n := 0
	for _, d := range dirs {
		cs, err := LoadCases(d)
		if err != nil {
			t.Errorf("%s: %v", d, err)
		}
		for _, c := range cs {
			if c.Request != nil && !json.Valid(c.Request) {
				t.Errorf("%s/%s: request.json is not JSON", d, c.Name)
			}
		}
		n += len(cs)
	}
	if n == 0 {
		t.Skip("no testdata cases")
	}
}
