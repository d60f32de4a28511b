package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/google"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Scopes and endpoints of the token sources.
const (
	// GoogleCloudScope is the OAuth2 scope Vertex AI accepts.
	GoogleCloudScope = "https://www.googleapis.com/auth/cloud-platform"
	// AzureCognitiveScope is the Entra ID scope of Azure OpenAI.
	AzureCognitiveScope = "https://cognitiveservices.azure.com/.default"
	// AzureAuthority is the Entra ID authority of the public cloud.
	AzureAuthority = "https://login.microsoftonline.com"
	// IBMIAMEndpoint is IBM Cloud's IAM token endpoint.
	IBMIAMEndpoint = "https://iam.cloud.ibm.com/identity/token"
)

// TokenOptions tune a TokenSource. The zero value is the production
// setting.
type TokenOptions struct {
	// TokenURL replaces the provider's token endpoint (a loopback server in
	// tests, a sovereign cloud's authority, a private IAM endpoint). For
	// Azure it is the authority ("https://login.microsoftonline.us"), for
	// IBM the full endpoint; Google service accounts name theirs in the
	// key file (token_uri) and ignore it.
	TokenURL string
	// HTTPClient fetches tokens; nil is http.DefaultClient.
	HTTPClient *http.Client
	// Early is how long before its expiry a token is replaced; zero is five
	// minutes (a quarter of the lifetime for tokens that live less than
	// twenty minutes).
	Early time.Duration
	// Getenv reads the variables of the *FromEnv sources; nil is
	// os.Getenv (a gateway passes its own).
	Getenv func(string) string
}

func (o TokenOptions) getenv(name string) string {
	if o.Getenv != nil {
		return o.Getenv(name)
	}
	return os.Getenv(name)
}

// TokenSource is a CredentialSource of OAuth2 access tokens (the Key of
// the Credential, sent with the bearer scheme): it fetches a token on first
// use, caches it, and fetches a new one shortly before it expires. Fetches
// are serialized, so concurrent requests share one fetch. Invalidate drops
// the cached token, for a caller that saw the provider reject it (a 401)
// and retries once with a fresh one.
type TokenSource struct {
	name  string
	fetch func(ctx context.Context) (*oauth2.Token, error)
	early time.Duration
	now   func() time.Time

	mu  sync.Mutex
	tok *oauth2.Token
	got time.Time // when tok was fetched
}

var _ Refresher = (*TokenSource)(nil)

func newTokenSource(name string, o TokenOptions, fetch func(ctx context.Context) (*oauth2.Token, error)) *TokenSource {
	s := &TokenSource{name: name, early: o.Early, now: time.Now}
	client := o.HTTPClient
	s.fetch = func(ctx context.Context) (*oauth2.Token, error) {
		if client != nil {
			ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
		}
		return fetch(ctx)
	}
	return s
}

// fresh reports whether tok may still be sent.
func (s *TokenSource) fresh(tok *oauth2.Token) bool {
	if tok == nil || tok.AccessToken == "" {
		return false
	}
	if tok.Expiry.IsZero() {
		return true
	}
	early := s.early
	if early == 0 {
		early = 5 * time.Minute
		if life := tok.Expiry.Sub(s.got); life < 20*time.Minute {
			early = life / 4
		}
	}
	return s.now().Add(early).Before(tok.Expiry)
}

// Credential returns the cached token, fetching a new one when there is
// none or it is about to expire. A failed fetch is an authentication
// error naming the source; it never quotes secrets.
func (s *TokenSource) Credential(ctx context.Context) (Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh(s.tok) {
		return Credential{Key: s.tok.AccessToken, Bearer: true}, nil
	}
	tok, err := s.fetch(context.WithoutCancel(ctx))
	if err != nil {
		return Credential{}, &abi.Error{Code: abi.CodeAuthentication, Err: err,
			Message: fmt.Sprintf("%s: fetching an access token failed: %s", s.name, tokenError(err))}
	}
	if tok == nil || tok.AccessToken == "" {
		return Credential{}, abi.Errorf(abi.CodeAuthentication, "%s: the token endpoint returned no access token", s.name)
	}
	s.tok, s.got = tok, s.now()
	return Credential{Key: tok.AccessToken, Bearer: true}, nil
}

// Invalidate drops the cached token: the next Credential fetches a new one.
func (s *TokenSource) Invalidate() {
	s.mu.Lock()
	s.tok = nil
	s.mu.Unlock()
}

// Stale drops the cached token if it is refused (a provider answered it
// 401); a token another request fetched since is kept. The Client calls
// it before its one retry of a request answered 401.
func (s *TokenSource) Stale(refused Credential) {
	s.mu.Lock()
	if s.tok != nil && s.tok.AccessToken == refused.Key {
		s.tok = nil
	}
	s.mu.Unlock()
}

// tokenError describes a token fetch failure without the response body of
// the token endpoint beyond its error code (which may echo request fields).
func tokenError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		s := fmt.Sprintf("the token endpoint answered HTTP %d", re.Response.StatusCode)
		if re.ErrorCode != "" {
			s += " (" + re.ErrorCode + ")"
		}
		return s + ": check the credentials"
	}
	var se *statusError
	if errors.As(err, &se) {
		return fmt.Sprintf("the token endpoint answered HTTP %d: check the credentials", se.status)
	}
	return err.Error()
}

// GoogleServiceAccount returns a source of access tokens for a Google
// service account key file (JSON): a JWT signed with the account's key is
// exchanged at the key's token_uri (OAuth2 JWT bearer grant), with scopes
// (GoogleCloudScope when none).
func GoogleServiceAccount(keyJSON []byte, o TokenOptions, scopes ...string) (*TokenSource, error) {
	if len(scopes) == 0 {
		scopes = []string{GoogleCloudScope}
	}
	cfg, err := google.JWTConfigFromJSON(keyJSON, scopes...)
	if err != nil {
		return nil, abi.Wrap(abi.CodeAuthentication, err, "reading the Google service account key")
	}
	return newTokenSource("google service account "+cfg.Email, o, func(ctx context.Context) (*oauth2.Token, error) {
		// A new source per fetch: jwt's own source caches.
		return cfg.TokenSource(ctx).Token()
	}), nil
}

// GoogleDefault returns a source of access tokens from Google's
// application-default credentials (GOOGLE_APPLICATION_CREDENTIALS, the
// gcloud user credentials, or the metadata server), with scopes
// (GoogleCloudScope when none).
func GoogleDefault(o TokenOptions, scopes ...string) *TokenSource {
	if len(scopes) == 0 {
		scopes = []string{GoogleCloudScope}
	}
	return newTokenSource("google application-default credentials", o, func(ctx context.Context) (*oauth2.Token, error) {
		c, err := google.FindDefaultCredentials(ctx, scopes...)
		if err != nil {
			return nil, err
		}
		return c.TokenSource.Token()
	})
}

// AzureClientCredentials returns a source of Entra ID access tokens for an
// application (client id and secret) of tenant, OAuth2 client-credentials
// grant, with scopes (AzureCognitiveScope when none): the bearer
// credential of azure-openai in place of an api-key.
func AzureClientCredentials(tenant, clientID, clientSecret string, o TokenOptions, scopes ...string) *TokenSource {
	if len(scopes) == 0 {
		scopes = []string{AzureCognitiveScope}
	}
	authority := strings.TrimSuffix(o.TokenURL, "/")
	if authority == "" {
		authority = AzureAuthority
	}
	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, Scopes: scopes,
		TokenURL: authority + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token", AuthStyle: oauth2.AuthStyleInParams}
	return newTokenSource("azure entra id client "+clientID, o, cfg.Token)
}

// statusError is a non-2xx answer of a token endpoint fetched here.
type statusError struct{ status int }

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

// IBMIAM returns a source of IBM Cloud IAM access tokens for an API key
// (grant urn:ibm:params:oauth:grant-type:apikey), as watsonx.ai takes them.
func IBMIAM(apiKey string, o TokenOptions) *TokenSource {
	endpoint := o.TokenURL
	if endpoint == "" {
		endpoint = IBMIAMEndpoint
	}
	client := o.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	return newTokenSource("ibm cloud iam", o, func(ctx context.Context) (*oauth2.Token, error) {
		form := url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:apikey"}, "apikey": {apiKey}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode/100 != 2 {
			return nil, &statusError{resp.StatusCode}
		}
		var t struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int64  `json:"expires_in"`
			Expiration  int64  `json:"expiration"`
		}
		if err := json.Unmarshal(body, &t); err != nil {
			return nil, errors.New("the IAM answer is not JSON")
		}
		tok := &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer"}
		switch {
		case t.Expiration > 0:
			tok.Expiry = time.Unix(t.Expiration, 0)
		case t.ExpiresIn > 0:
			tok.Expiry = time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)
		}
		return tok, nil
	})
}

// Transport returns a transport that sends through base (nil:
// http.DefaultTransport) and, when a request carrying one of s's tokens as
// its bearer credential is answered 401, drops that token, fetches a new
// one and sends the request once more with it. A Client does this by
// itself for a Provider whose Credentials is a Refresher (s is one), so
// the transport is for other HTTP clients that send s's tokens. A request
// whose body cannot be replayed is not retried.
func (s *TokenSource) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &refreshTransport{src: s, base: base}
}

type refreshTransport struct {
	src  *TokenSource
	base http.RoundTripper
}

func (t *refreshTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	sent, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, nil
	}
	t.src.Stale(Credential{Key: sent}) // another request may have replaced it already
	cred, cerr := t.src.Credential(req.Context())
	if cerr != nil || cred.Key == sent {
		return resp, nil
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	retry.Header.Set("Authorization", "Bearer "+cred.Key)
	return t.base.RoundTrip(retry)
}

// The environment variables the *FromEnv token sources read.
const (
	// EnvGoogleCredentials names a Google service account key file (or
	// another application-default credentials file).
	EnvGoogleCredentials = "GOOGLE_APPLICATION_CREDENTIALS"
	// EnvAzureTenant, EnvAzureClientID and EnvAzureClientSecret are the
	// Entra ID application's tenant, client id and secret (the names
	// Azure's own SDKs read); EnvAzureAuthority optionally replaces
	// AzureAuthority (a sovereign cloud).
	EnvAzureTenant       = "AZURE_TENANT_ID"
	EnvAzureClientID     = "AZURE_CLIENT_ID"
	EnvAzureClientSecret = "AZURE_CLIENT_SECRET"
	EnvAzureAuthority    = "AZURE_AUTHORITY_HOST"
	// EnvWatsonxAPIKey and EnvIBMCloudAPIKey hold an IBM Cloud API key,
	// the first set one is used.
	EnvWatsonxAPIKey  = "WATSONX_APIKEY"
	EnvIBMCloudAPIKey = "IBMCLOUD_API_KEY"
)

// GoogleCredentials returns a source of Google Cloud access tokens (scope
// GoogleCloudScope), for the Vertex AI modules: from keyJSON, a service
// account key file's contents, when it is not empty, else from Google's
// application-default credentials (the file GOOGLE_APPLICATION_CREDENTIALS
// names, the gcloud user credentials, or the metadata server on Google
// Cloud). The application-default credentials are looked up now, so that
// missing ones fail here with what to set rather than at the first
// request; tokens are fetched on first use and refreshed before they
// expire.
func GoogleCredentials(ctx context.Context, keyJSON []byte, o TokenOptions) (*TokenSource, error) {
	if len(keyJSON) > 0 {
		return GoogleServiceAccount(keyJSON, o)
	}
	if _, err := google.FindDefaultCredentials(ctx, GoogleCloudScope); err != nil {
		return nil, &abi.Error{Code: abi.CodeAuthentication, Err: err,
			Message: "no Google credentials: set " + EnvGoogleCredentials + " to a service account key file, run `gcloud auth application-default login`, or run on Google Cloud (" + err.Error() + ")"}
	}
	return GoogleDefault(o), nil
}

// AzureEntraFromEnv returns AzureClientCredentials for the application
// that AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET name
// (AZURE_AUTHORITY_HOST, when set and o.TokenURL is not, is the
// authority): Entra ID tokens for azure-openai, sent as a bearer token in
// place of its api-key header. A missing variable is an authentication
// error naming every missing one.
func AzureEntraFromEnv(o TokenOptions) (*TokenSource, error) {
	vals, err := requireEnv(o, EnvAzureTenant, EnvAzureClientID, EnvAzureClientSecret)
	if err != nil {
		return nil, err
	}
	if o.TokenURL == "" {
		o.TokenURL = o.getenv(EnvAzureAuthority)
	}
	return AzureClientCredentials(vals[0], vals[1], vals[2], o), nil
}

// IBMIAMFromEnv returns IBMIAM for the API key in WATSONX_APIKEY, else
// IBMCLOUD_API_KEY: IAM tokens for watsonx. Neither set is an
// authentication error naming both.
func IBMIAMFromEnv(o TokenOptions) (*TokenSource, error) {
	for _, v := range []string{EnvWatsonxAPIKey, EnvIBMCloudAPIKey} {
		if k := o.getenv(v); k != "" {
			return IBMIAM(k, o), nil
		}
	}
	return nil, abi.Errorf(abi.CodeAuthentication, "no IBM Cloud API key: set %s (or %s) to an API key with access to watsonx.ai", EnvWatsonxAPIKey, EnvIBMCloudAPIKey)
}

// requireEnv returns the values of names, or an authentication error
// naming the unset ones.
func requireEnv(o TokenOptions, names ...string) ([]string, error) {
	vals := make([]string, len(names))
	var missing []string
	for i, n := range names {
		if vals[i] = o.getenv(n); vals[i] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, abi.Errorf(abi.CodeAuthentication, "missing credentials: set %s", strings.Join(missing, ", "))
	}
	return vals, nil
}
