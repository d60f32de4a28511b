package providertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
)

// NewTokenServer starts a loopback OAuth2 token endpoint of the IAM kind
// (an API key exchanged for an access token): a form request whose apikey
// field is apikey gets token as a Bearer access token that lives an hour;
// any other request gets HTTP 400. The caller closes it.
func NewTokenServer(apikey, token string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.Form.Get("apikey") != apikey {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, token)
	}))
}
