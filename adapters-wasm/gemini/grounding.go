package gemini

import (
	"bytes"
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Grounding with Google Search: the provider tool web_search is the
// googleSearch tool. Gemini reports what it searched and found in the
// candidate's groundingMetadata, which it sends with the candidate's
// finishReason (the last chunk of a stream); the module reads it there
// and emits, after the candidate's text and before usage and finish: a
// server-tool-call (ID "web_search_<responseId>", input {"queries":
// webSearchQueries}), a server-tool-result (content: groundingChunks), and
// a source event for each grounding chunk each groundingSupport cites
// (cited_text: the supported segment's text), or for each grounding chunk
// when there are no supports.

// groundingTool checks the request's provider tools: web_search, without
// options, is the googleSearch tool; other kinds and options are refused.
func groundingTool(req *abi.Request) (bool, error) {
	search := false
	for i := range req.Tools {
		t := &req.Tools[i]
		if err := t.CheckType(i); err != nil {
			return false, err
		}
		if !t.IsProvider() {
			continue
		}
		ptr := "/tools/" + itoa(i)
		if t.Name != abi.ProviderToolWebSearch {
			return false, guest.Unsupported(ptr+"/name", "the gemini module projects the provider tool web_search (Google Search grounding), not %q", t.Name)
		}
		if o := bytes.TrimSpace(t.Options); len(o) > 0 && !bytes.Equal(o, []byte("{}")) && !bytes.Equal(o, []byte("null")) {
			return false, guest.Unsupported(ptr+"/options", "Google Search grounding takes no options: remove them")
		}
		search = true
	}
	return search, nil
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
	id := "web_search"
	if len(p.st.responseID) > 0 {
		id += "_" + string(p.st.responseID)
	}
	queries := g.WebSearchQueries
	if queries == nil {
		queries = []string{}
	}
	input, _ := json.Marshal(struct {
		Queries []string `json:"queries"`
	}{queries})
	p.out.Emit(&abi.Event{Type: abi.EventServerToolCall, ID: id, Name: abi.ProviderToolWebSearch, Input: string(input)})
	chunks := g.GroundingChunks
	if chunks == nil {
		chunks = []json.RawMessage{}
	}
	content, _ := json.Marshal(chunks)
	p.out.Emit(&abi.Event{Type: abi.EventServerToolResult, ID: id, Name: abi.ProviderToolWebSearch, Content: string(content)})

	source := func(i int, cited string) {
		if i < 0 || i >= len(chunks) {
			return
		}
		var c groundingChunk
		if json.Unmarshal(chunks[i], &c) != nil || c.Web == nil || c.Web.URI == "" {
			return
		}
		p.out.Emit(&abi.Event{Type: abi.EventSource, ID: c.Web.URI, Kind: abi.SourceKindURL, URL: c.Web.URI, Title: c.Web.Title, CitedText: cited})
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
