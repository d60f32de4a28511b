// Package recordings loads the real provider recordings of
// ../shared/fixtures/provider-recordings (see its MANIFEST.md) for tests:
// vercel/ai *.chunks.txt streams and *.json bodies, vcrpy and go-vcr YAML
// cassettes (response.body.string, response.body, parsed_body, gzip
// !!binary bodies) and httprr traces. Each HTTP response becomes a
// Recording with the raw body bytes a provider sent (or the closest the
// recorder kept), its status and its stream framing.
//
// Tests read the recordings in place and skip when the folder is absent;
// they are never copied into this repository.
package recordings

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Recording is one recorded HTTP response.
type Recording struct {
	// Provider is the recording's directory (e.g. "openai-chat").
	Provider string
	// File is the file name within that directory.
	File string
	// Interaction is the response's position in a multi-exchange file
	// (0 for single-response files); Interactions is how many it holds.
	Interaction, Interactions int
	// Status is the HTTP status (200 when the format does not record one
	// and the manifest names none).
	Status int
	// Framing is "sse", "ndjson", "aws-eventstream" or "none".
	Framing string
	// ContentType is the recorded Content-Type header, if any.
	ContentType string
	// Body is the response body, decompressed.
	Body []byte
	// RequestBody is the recorded request body as JSON, when there is one.
	RequestBody []byte
}

// Name is the file name, with ".<interaction>" appended when the file holds
// several responses: the stem of files derived from the recording.
func (r *Recording) Name() string {
	if r.Interactions > 1 {
		return r.File + "." + strconv.Itoa(r.Interaction)
	}
	return r.File
}

// Dir returns the recordings folder, ../shared/fixtures/provider-recordings
// relative to the repository root found above the working directory, and
// whether it exists.
func Dir() (string, bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(d), "shared", "fixtures", "provider-recordings")
			st, err := os.Stat(p)
			return p, err == nil && st.IsDir()
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

var manifestStatus = regexp.MustCompile(`HTTP (\d{3})`)

// manifest maps "provider/file" to the HTTP status the manifest names.
func manifest(root string) map[string]int {
	m := map[string]int{}
	b, err := os.ReadFile(filepath.Join(root, "MANIFEST.md"))
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 5 {
			continue
		}
		file := strings.Trim(strings.TrimSpace(cols[1]), "`")
		if sm := manifestStatus.FindStringSubmatch(cols[3]); sm != nil {
			m[file], _ = strconv.Atoi(sm[1])
		}
	}
	return m
}

// LoadProvider loads every recording of one provider directory under root,
// sorted by file name. Files of unknown formats (and derived .snap files)
// are skipped.
func LoadProvider(root, provider string) ([]Recording, error) {
	ents, err := os.ReadDir(filepath.Join(root, provider))
	if err != nil {
		return nil, err
	}
	statuses := manifest(root)
	var out []Recording
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		recs, err := LoadFile(filepath.Join(root, provider, e.Name()))
		if errors.Is(err, errUnknownFormat) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", provider, e.Name(), err)
		}
		for i := range recs {
			recs[i].Provider = provider
			if s, ok := statuses[provider+"/"+e.Name()]; ok && recs[i].Status == 0 {
				recs[i].Status = s
			}
			if recs[i].Status == 0 {
				recs[i].Status = 200
			}
		}
		out = append(out, recs...)
	}
	slices.SortStableFunc(out, func(a, b Recording) int { return strings.Compare(a.File, b.File) })
	return out, nil
}

var errUnknownFormat = errors.New("recordings: unknown file format")

// LoadFile loads one recording file. Status is 0 when the format does not
// record it (vercel *.json bodies); LoadProvider fills it from the manifest.
func LoadFile(path string) ([]Recording, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	var recs []Recording
	switch {
	case strings.HasSuffix(name, ".chunks.txt"):
		recs = []Recording{chunksTxt(filepath.Base(filepath.Dir(path)), b)}
	case strings.HasSuffix(name, ".eventstream"):
		recs = []Recording{{Body: b, Framing: "aws-eventstream"}}
	case strings.HasSuffix(name, ".json"):
		recs = []Recording{{Body: b, Framing: "none"}}
	case strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"):
		recs, err = cassette(b)
	case strings.HasSuffix(name, ".httprr"):
		recs, err = httprr(b)
	default:
		return nil, errUnknownFormat
	}
	if err != nil {
		return nil, err
	}
	for i := range recs {
		recs[i].File = name
		recs[i].Interaction = i
		recs[i].Interactions = len(recs)
		if recs[i].Framing == "" {
			recs[i].Framing = framing(recs[i].ContentType, recs[i].Body)
		}
	}
	return recs, nil
}

// chunksTxt rebuilds the SSE wire form of a vercel/ai chunks file: one
// "data: <line>\n\n" per line, plus "data: [DONE]\n\n" for the providers
// whose streams end with it.
func chunksTxt(provider string, b []byte) Recording {
	var body bytes.Buffer
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		body.WriteString("data: " + line + "\n\n")
	}
	switch provider {
	case "openai-chat", "azure-openai", "groq", "deepseek", "xai", "mistral", "openrouter":
		body.WriteString("data: [DONE]\n\n")
	}
	fr := "sse"
	if provider == "bedrock" {
		// Decoded ConverseStream events, one JSON object per line.
		return Recording{Body: b, Framing: "ndjson"}
	}
	return Recording{Body: body.Bytes(), Framing: fr}
}

func framing(contentType string, body []byte) string {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "text/event-stream"):
		return "sse"
	case strings.Contains(ct, "ndjson"):
		return "ndjson"
	case strings.Contains(ct, "amazon.eventstream"):
		return "aws-eventstream"
	}
	t := bytes.TrimLeft(body, " \r\n")
	if bytes.HasPrefix(t, []byte("data:")) || bytes.HasPrefix(t, []byte("event:")) {
		return "sse"
	}
	return "none"
}

// header finds a header in a cassette's headers map (values are a string
// or a list of strings), case-insensitively.
func header(h any, name string) string {
	m, _ := h.(map[string]any)
	for k, v := range m {
		if !strings.EqualFold(k, name) {
			continue
		}
		switch v := v.(type) {
		case string:
			return v
		case []any:
			if len(v) > 0 {
				s, _ := v[0].(string)
				return s
			}
		}
	}
	return ""
}

// bodyOf extracts a body from a cassette request or response map.
func bodyOf(m map[string]any) ([]byte, error) {
	if pb, ok := m["parsed_body"]; ok {
		return json.Marshal(pb)
	}
	switch b := m["body"].(type) {
	case string:
		return []byte(b), nil
	case map[string]any:
		switch s := b["string"].(type) {
		case string:
			return []byte(s), nil
		case []byte:
			return s, nil
		}
	}
	return nil, nil
}

func intOf(v any) int {
	switch v := v.(type) {
	case int:
		return v
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

// gunzip decompresses a gzip body.
func gunzip(body []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// cassette reads vcrpy (pydantic-ai, Mirascope, simonw/llm) and go-vcr v2
// (envoy ai-gateway) YAML cassettes.
func cassette(b []byte) ([]Recording, error) {
	var doc struct {
		Interactions []map[string]any `yaml:"interactions"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if len(doc.Interactions) == 0 {
		return nil, errors.New("cassette has no interactions")
	}
	var out []Recording
	for i, it := range doc.Interactions {
		resp, _ := it["response"].(map[string]any)
		if resp == nil {
			return nil, fmt.Errorf("interaction %d has no response", i)
		}
		body, err := bodyOf(resp)
		if err != nil {
			return nil, fmt.Errorf("interaction %d: %w", i, err)
		}
		// The body is gunzipped when it is gzip data (its magic bytes),
		// whatever content-encoding says: some cassettes store it already
		// decoded and keep the header.
		if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			if body, err = gunzip(body); err != nil {
				return nil, fmt.Errorf("interaction %d: gzip body: %w", i, err)
			}
		}
		status := intOf(resp["code"])
		if st, ok := resp["status"].(map[string]any); ok {
			status = intOf(st["code"])
		}
		rec := Recording{Status: status, ContentType: header(resp["headers"], "content-type"), Body: body}
		if req, ok := it["request"].(map[string]any); ok {
			if rb, err := bodyOf(req); err == nil && json.Valid(rb) {
				rec.RequestBody = rb
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

// httprr reads a tmc/langchaingo httprr trace: "httprr trace v1\n", then
// per exchange "<request bytes> <response bytes>\n" and the raw request and
// response.
func httprr(b []byte) ([]Recording, error) {
	const magic = "httprr trace v1\n"
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, errors.New("not an httprr trace")
	}
	b = b[len(magic):]
	var out []Recording
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return nil, errors.New("httprr: truncated record header")
		}
		var nreq, nresp int
		if _, err := fmt.Sscanf(string(line), "%d %d", &nreq, &nresp); err != nil || nreq < 0 || nresp < 0 || nreq+nresp > len(rest) {
			return nil, fmt.Errorf("httprr: bad record header %q", line)
		}
		reqRaw, respRaw := rest[:nreq], rest[nreq:nreq+nresp]
		b = rest[nreq+nresp:]
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(respRaw)), nil)
		if err != nil {
			return nil, fmt.Errorf("httprr: response: %w", err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("httprr: response body: %w", err)
		}
		if strings.Contains(resp.Header.Get("Content-Encoding"), "gzip") {
			if body, err = gunzip(body); err != nil {
				return nil, err
			}
		}
		rec := Recording{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}
		if req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(reqRaw))); err == nil {
			if rb, err := io.ReadAll(req.Body); err == nil && json.Valid(rb) {
				rec.RequestBody = rb
			}
		}
		out = append(out, rec)
	}
	return out, nil
}
