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
	body, ok := readBody(w, r, openAI)
	if !ok {
		return
	}
	req, err := responseswire.DecodeRequest(body)
	if err != nil {
		openAI(w, http.StatusBadRequest, asABI(err))
		return
	}
	public, now := req.Model, s.now()
	s.serve(w, r, &call{dialect: openAI, req: req, approvals: true, size: len(body),
		stream: func(w io.Writer, flush func()) encoder { return responseswire.NewStream(w, flush, public, now) },
		whole:  func(resp *host.Response) []byte { return responseswire.Response(resp, public, now) },
	})
}
