package gateway

import (
	"io"
	"net/http"

	"github.com/wasmadapt/wasmadapt/gateway/responseswire"
	"github.com/wasmadapt/wasmadapt/host"
)

// responses serves POST /v1/responses, the OpenAI Responses dialect
// (errors in OpenAI's shape).
func (s *Server) responses(w http.ResponseWriter, r *http.Request) {
	req, size, ok := decodeBody(w, r, openAI, responseswire.DecodeRequest)
	if !ok {
		return
	}
	public, now := req.Model, s.now()
	s.serve(w, r, &call{dialect: openAI, req: req, approvals: true, size: size,
		stream: func(w io.Writer, flush func()) encoder { return responseswire.NewStream(w, flush, public, now) },
		whole:  func(resp *host.Response) []byte { return responseswire.Response(resp, public, now) },
	})
}
