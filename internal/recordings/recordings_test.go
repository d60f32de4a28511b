package recordings

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFormats(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "openai-chat")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"ok":true}`))
	zw.Close()
	write(t, root, "MANIFEST.md", "| File | Provider | What |\n|---|---|---|\n| `openai-chat/err.json` | openai-chat | error body; HTTP 429 quota | x |\n")
	write(t, dir, "a.chunks.txt", "{\"a\":1}\n{\"b\":2}")
	write(t, dir, "err.json", `{"error":{"message":"m"}}`)
	write(t, dir, "b.yaml", `interactions:
- request:
    body: '{"model":"m","stream":true}'
  response:
    body:
      string: "data: {\"x\":1}\n\ndata: [DONE]\n\n"
    headers:
      Content-Type:
      - text/event-stream
    status:
      code: 200
- request:
    parsed_body:
      model: m
  response:
    parsed_body:
      error:
        message: bad
    status:
      code: 400
`)
	write(t, dir, "c.yaml", `version: 2
interactions:
    - id: 0
      response:
        body: '{"id":"x"}'
        headers:
            Content-Type:
                - application/json
            Content-Encoding:
                - identity
        code: 404
`)
	write(t, dir, "d.yaml", "interactions:\n- response:\n    body:\n      string: !!binary |\n        "+base64.StdEncoding.EncodeToString(gz.Bytes())+"\n    headers:\n      content-encoding:\n      - gzip\n    status:\n      code: 200\n")
	resp := "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{\"a\":1\r\n2\r\n}\n\r\n0\r\n\r\n"
	req := "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
	write(t, dir, "e.httprr", "httprr trace v1\n"+itoa(len(req))+" "+itoa(len(resp))+"\n"+req+resp)
	gzResp := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: " + itoa(gz.Len()) + "\r\n\r\n" + gz.String()
	write(t, dir, "f.httprr", "httprr trace v1\n"+itoa(len(req))+" "+itoa(len(gzResp))+"\n"+req+gzResp)
	write(t, dir, "notes.snap", "ignored")

	recs, err := LoadProvider(root, "openai-chat")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Name()+"|"+itoa(r.Status)+"|"+r.Framing+"|"+string(r.Body)+"|"+string(r.RequestBody))
	}
	want := []string{
		"a.chunks.txt|200|sse|data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n|",
		"b.yaml.0|200|sse|data: {\"x\":1}\n\ndata: [DONE]\n\n|{\"model\":\"m\",\"stream\":true}",
		"b.yaml.1|400|none|{\"error\":{\"message\":\"bad\"}}|{\"model\":\"m\"}",
		"c.yaml|404|none|{\"id\":\"x\"}|",
		"d.yaml|200|none|{\"ok\":true}|",
		"e.httprr|200|ndjson|{\"a\":1}\n|{}",
		"err.json|429|none|{\"error\":{\"message\":\"m\"}}|",
		"f.httprr|200|none|{\"ok\":true}|{}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := LoadFile(write(t, dir, "bad.httprr", "httprr trace v1\n99 99\nxx")); err == nil {
		t.Error("truncated httprr loaded without error")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
