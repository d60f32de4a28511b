package gemini

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/servertool"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Provider tools: web_search is the googleSearch tool, code_execution
// codeExecution, web_fetch urlContext.
//
// Grounding with Google Search: Gemini reports what it searched and found in the
// candidate's groundingMetadata, which it sends with the candidate's
// finishReason (the last chunk of a stream); the module reads it there
// and emits, after the candidate's text and before usage and finish: a
// server-tool-call (ID "web_search_<responseId>", input {"queries":
// webSearchQueries}), a server-tool-result (content: groundingChunks), and
// a source event for each grounding chunk each groundingSupport cites
// (cited_text: the supported segment's text), or for each grounding chunk
// when there are no supports.

// providerKinds are the provider tool kinds the module projects.
var providerKinds = []string{abi.ProviderToolWebSearch, abi.ProviderToolCodeExecution, abi.ProviderToolWebFetch}

// modelKinds returns the provider tool kinds of a model that calls tools:
// Google Search for all, code execution from Gemini 2.0, URL context from
// Gemini 2.5 (and the -latest aliases and the defaults, which are current
// models).
func modelKinds(model string) []string {
	m := strings.TrimPrefix(model, "models/")
	v := geminiVersion(m)
	switch {
	case m == "" || v >= 25 || strings.HasPrefix(m, "gemini-flash-latest") || strings.HasPrefix(m, "gemini-flash-lite-latest") || strings.HasPrefix(m, "gemini-pro-latest"):
		return providerKinds
	case v >= 20:
		return providerKinds[:2]
	}
	return providerKinds[:1]
}

// providerTools projects the request's provider tools, none of which takes
// options: web_search is the googleSearch tool, code_execution (ABI 1.3)
// codeExecution, web_fetch (ABI 1.3) urlContext. Other kinds (file_search,
// mcp) and any option are refused.
func providerTools(req *abi.Request) ([]gTool, error) {
	var tools []gTool
	for i := range req.Tools {
		t := &req.Tools[i]
		if err := t.CheckType(i); err != nil {
			return nil, err
		}
		if !t.IsProvider() {
			continue
		}
		ptr := "/tools/" + itoa(i)
		var g gTool
		switch t.Name {
		case abi.ProviderToolWebSearch:
			g.GoogleSearch = &struct{}{}
		case abi.ProviderToolCodeExecution:
			g.CodeExecution = &struct{}{}
		case abi.ProviderToolWebFetch:
			g.URLContext = &struct{}{}
		default:
			return nil, servertool.Refuse(ptr, "gemini", t.Name, providerKinds...)
		}
		if !slices.Contains(modelKinds(req.Model), t.Name) {
			return nil, guest.Unsupported(ptr+"/name", "gemini model %q has no %s tool (code execution needs Gemini 2.0 or newer, URL context Gemini 2.5 or newer): remove it or pick a newer model", req.Model, t.Name)
		}
		if o := bytes.TrimSpace(t.Options); len(o) > 0 && !bytes.Equal(o, []byte("{}")) && !bytes.Equal(o, []byte("null")) {
			return nil, guest.Unsupported(ptr+"/options", "Gemini's %s tool takes no options: remove them", t.Name)
		}
		tools = append(tools, g)
	}
	return tools, nil
}

type groundingMetadata struct {
	WebSearchQueries []string          `json:"webSearchQueries"`
	GroundingChunks  []json.RawMessage `json:"groundingChunks"`
	GroundingSupport []struct {
		Segment struct {
			Text string `json:"text"`
		} `json:"segment"`
		GroundingChunkIndices []int `json:"groundingChunkIndices"`
	} `json:"groundingSupports"`
}

type groundingChunk struct {
	Web *struct {
		URI   string `json:"uri"`
		Title string `json:"title"`
	} `json:"web"`
}

// grounding emits the events of a candidate's groundingMetadata.
func (p *processor) grounding(meta []byte) {
	var g groundingMetadata
	if json.Unmarshal(meta, &g) != nil || (len(g.WebSearchQueries) == 0 && len(g.GroundingChunks) == 0) {
		return
	}
	id := p.hostedID(abi.ProviderToolWebSearch, 0)
	queries := g.WebSearchQueries
	if queries == nil {
		queries = []string{}
	}
	input, _ := json.Marshal(struct {
		Queries []string `json:"queries"`
	}{queries})
	p.Out.Emit(&abi.Event{Type: abi.EventServerToolCall, ID: id, Name: abi.ProviderToolWebSearch, Input: string(input)})
	chunks := g.GroundingChunks
	if chunks == nil {
		chunks = []json.RawMessage{}
	}
	content, _ := json.Marshal(chunks)
	p.Out.Emit(&abi.Event{Type: abi.EventServerToolResult, ID: id, Name: abi.ProviderToolWebSearch, Content: string(content)})

	source := func(i int, cited string) {
		if i < 0 || i >= len(chunks) {
			return
		}
		var c groundingChunk
		if json.Unmarshal(chunks[i], &c) != nil || c.Web == nil || c.Web.URI == "" {
			return
		}
		p.Out.Emit(&abi.Event{Type: abi.EventSource, ID: c.Web.URI, Kind: abi.SourceKindURL, URL: c.Web.URI, Title: c.Web.Title, CitedText: cited})
	}
	if len(g.GroundingSupport) == 0 {
		for i := range chunks {
			source(i, "")
		}
		return
	}
	for _, s := range g.GroundingSupport {
		for _, i := range s.GroundingChunkIndices {
			source(i, s.Segment.Text)
		}
	}
}

// hostedID is the ID of a provider tool's events in a response: kind,
// then _<responseId> when the response has one, then _<n> when n > 0.
func (p *processor) hostedID(kind string, n int) string {
	id := kind
	if len(p.st.responseID) > 0 {
		id += "_" + string(p.st.responseID)
	}
	if n > 0 {
		id += "_" + itoa(n)
	}
	return id
}

// codeExecution emits an executableCode part ({"language", "code"}) as
// the server-tool-call "code_execution" with that object as input, and a
// codeExecutionResult part ({"outcome", "output"}) as the server-tool-result
// of the latest call, with that object as content (is_error unless the
// outcome is OUTCOME_OK). Gemini gives them no IDs: run n of a response
// (counting from 1) has the ID code_execution_<responseId>_<n>.
func (p *processor) codeExecution(code, result []byte) {
	if code != nil {
		p.st.codeRuns++
		input, ok := servertool.CompactObject(code)
		if !ok {
			input = "{}"
		}
		p.Out.Emit(&abi.Event{Type: abi.EventServerToolCall, ID: p.hostedID(abi.ProviderToolCodeExecution, p.st.codeRuns), Name: abi.ProviderToolCodeExecution, Input: input})
	}
	if result != nil {
		content, ok := servertool.CompactObject(result)
		if !ok {
			content = "null"
		}
		var r struct {
			Outcome string `json:"outcome"`
		}
		_ = json.Unmarshal(result, &r)
		p.Out.Emit(&abi.Event{Type: abi.EventServerToolResult, ID: p.hostedID(abi.ProviderToolCodeExecution, max(p.st.codeRuns, 1)), Name: abi.ProviderToolCodeExecution,
			Content: content, IsError: r.Outcome != "OUTCOME_OK"})
	}
}

// urlContext emits a candidate's urlContextMetadata (sent with its
// finishReason) as the server-tool-call "web_fetch" (ID
// web_fetch_<responseId>, input {"urls": the retrieved URLs}) and its
// server-tool-result (content: urlMetadata as sent; is_error when no URL
// was retrieved with URL_RETRIEVAL_STATUS_SUCCESS).
func (p *processor) urlContext(meta []byte) {
	var m struct {
		URLMetadata []json.RawMessage `json:"urlMetadata"`
	}
	if json.Unmarshal(meta, &m) != nil || len(m.URLMetadata) == 0 {
		return
	}
	urls := []string{}
	ok := false
	for _, u := range m.URLMetadata {
		var e struct {
			RetrievedURL string `json:"retrievedUrl"`
			Status       string `json:"urlRetrievalStatus"`
		}
		if json.Unmarshal(u, &e) != nil {
			continue
		}
		urls = append(urls, e.RetrievedURL)
		ok = ok || e.Status == "URL_RETRIEVAL_STATUS_SUCCESS"
	}
	id := p.hostedID(abi.ProviderToolWebFetch, 0)
	input, _ := json.Marshal(struct {
		URLs []string `json:"urls"`
	}{urls})
	content, _ := json.Marshal(m.URLMetadata)
	p.Out.Emit(&abi.Event{Type: abi.EventServerToolCall, ID: id, Name: abi.ProviderToolWebFetch, Input: string(input)})
	p.Out.Emit(&abi.Event{Type: abi.EventServerToolResult, ID: id, Name: abi.ProviderToolWebFetch, Content: string(content), IsError: !ok})
}
