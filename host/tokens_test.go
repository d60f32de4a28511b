package host

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// tokenServer is a loopback token endpoint: check validates each request
// (returning "" to accept it), and accepted requests get token "tok-<n>"
// valid for life. fail makes the next answers 401.
type tokenServer struct {
	*httptest.Server
	fetches atomic.Int32
	fail    atomic.Bool
}

func newTokenServer(t *testing.T, life time.Duration, check func(r *http.Request) string) *tokenServer {
	s := &tokenServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if msg := check(r); msg != "" {
			t.Errorf("token request: %s", msg)
			http.Error(w, `{"error":"invalid_request"}`, 400)
			return
		}
		if s.fail.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"secret s3cr3t rejected"}`)
			return
		}
		n := s.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":%d,"expiration":%d}`, n, int(life.Seconds()), time.Now().Add(life).Unix())
	}))
	t.Cleanup(s.Close)
	return s
}

// exercise checks caching, refresh before expiry, Invalidate and a failing
// endpoint on src, whose server is s.
func exercise(t *testing.T, src *TokenSource, s *tokenServer) {
	t.Helper()
	ctx := context.Background()
	get := func(want string) {
		t.Helper()
		c, err := src.Credential(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Key != want {
			t.Fatalf("token %q, want %q", c.Key, want)
		}
	}
	get("tok-1")
	get("tok-1") // cached
	if n := s.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	// Within the early margin of the expiry: replaced before it expires.
	base := time.Now()
	src.now = func() time.Time { return base.Add(58 * time.Minute) }
	get("tok-2")
	src.now = time.Now
	get("tok-2")
	src.Invalidate() // the provider answered 401: one fresh token
	get("tok-3")
	s.fail.Store(true)
	src.Invalidate()
	_, err := src.Credential(ctx)
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeAuthentication || !strings.Contains(ae.Message, "HTTP 401") || strings.Contains(ae.Message, "s3cr3t") {
		t.Fatalf("failing endpoint: %v", err)
	}
}

func TestGoogleServiceAccount(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var tokenURI string
	s := newTokenServer(t, time.Hour, func(r *http.Request) string {
		if g := r.Form.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			return "grant_type " + g
		}
		parts := strings.Split(r.Form.Get("assertion"), ".")
		if len(parts) != 3 {
			return "assertion is not a JWT"
		}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			return "bad signature: " + err.Error()
		}
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims struct {
			Iss, Scope, Aud string
			Exp, Iat        int64
		}
		if err := json.Unmarshal(raw, &claims); err != nil {
			return err.Error()
		}
		if claims.Iss != "sa@p.iam.gserviceaccount.com" || claims.Scope != GoogleCloudScope || claims.Aud != tokenURI || claims.Exp <= claims.Iat {
			return fmt.Sprintf("claims %+v", claims)
		}
		return ""
	})
	tokenURI = s.URL + "/token"
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	keyJSON, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com",
		"private_key_id": "k1", "private_key": string(pemKey), "token_uri": tokenURI})
	src, err := GoogleServiceAccount(keyJSON, TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, src, s)
	if _, err := GoogleServiceAccount([]byte(`not json`), TokenOptions{}); abi.CodeOf(err) != abi.CodeAuthentication {
		t.Errorf("bad key file: %v", err)
	}
}

func TestAzureClientCredentials(t *testing.T) {
	s := newTokenServer(t, time.Hour, func(r *http.Request) string {
		f := r.Form
		if r.URL.Path != "/tenant-1/oauth2/v2.0/token" || f.Get("grant_type") != "client_credentials" || f.Get("client_id") != "app" ||
			f.Get("client_secret") != "s3cr3t" || f.Get("scope") != AzureCognitiveScope {
			return fmt.Sprintf("%s %v", r.URL.Path, f)
		}
		return ""
	})
	exercise(t, AzureClientCredentials("tenant-1", "app", "s3cr3t", TokenOptions{TokenURL: s.URL}), s)
}

func TestIBMIAM(t *testing.T) {
	s := newTokenServer(t, time.Hour, func(r *http.Request) string {
		if r.Form.Get("grant_type") != "urn:ibm:params:oauth:grant-type:apikey" || r.Form.Get("apikey") != "s3cr3t" {
			return fmt.Sprint(r.Form)
		}
		return ""
	})
	exercise(t, IBMIAM("s3cr3t", TokenOptions{TokenURL: s.URL}), s)
}

// TestShortLivedToken: a token living less than twenty minutes is replaced
// after three quarters of its life.
func TestShortLivedToken(t *testing.T) {
	s := newTokenServer(t, 8*time.Minute, func(*http.Request) string { return "" })
	src := IBMIAM("k", TokenOptions{TokenURL: s.URL})
	base := time.Now()
	for _, tt := range []struct {
		at   time.Duration
		want string
	}{{0, "tok-1"}, {5 * time.Minute, "tok-1"}, {7 * time.Minute, "tok-2"}} {
		src.now = func() time.Time { return base.Add(tt.at) }
		c, err := src.Credential(context.Background())
		if err != nil || c.Key != tt.want {
			t.Fatalf("at %v: %q %v, want %s", tt.at, c.Key, err, tt.want)
		}
	}
}

// TestConcurrentFetch: concurrent requests share one fetch.
func TestConcurrentFetch(t *testing.T) {
	s := newTokenServer(t, time.Hour, func(*http.Request) string { return "" })
	src := IBMIAM("k", TokenOptions{TokenURL: s.URL})
	done := make(chan string)
	for range 8 {
		go func() {
			c, _ := src.Credential(context.Background())
			done <- c.Key
		}()
	}
	for range 8 {
		if k := <-done; k != "tok-1" {
			t.Errorf("token %q", k)
		}
	}
	if n := s.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// TestTransportRefreshOn401: a 401 to a cached token drops it and sends
// the request once more with a fresh one; a second 401 is returned.
func TestTransportRefreshOn401(t *testing.T) {
	ts := newTokenServer(t, time.Hour, func(*http.Request) string { return "" })
	src := IBMIAM("k", TokenOptions{TokenURL: ts.URL})
	var calls atomic.Int32
	accept := atomic.Value{}
	accept.Store("Bearer tok-2")
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != accept.Load().(string) {
			w.WriteHeader(401)
			return
		}
		w.Write(b)
	}))
	defer provider.Close()
	hc := &http.Client{Transport: src.Transport(nil)}
	send := func() (*http.Response, string) {
		t.Helper()
		c, err := src.Credential(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", provider.URL, strings.NewReader(`{"q":1}`))
		req.Header.Set("Authorization", "Bearer "+c.Key)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, body := send(); resp.StatusCode != 200 || body != `{"q":1}` || calls.Load() != 2 || ts.fetches.Load() != 2 {
		t.Fatalf("refresh: %d %q, %d calls, %d fetches", resp.StatusCode, body, calls.Load(), ts.fetches.Load())
	}
	accept.Store("never")
	if resp, _ := send(); resp.StatusCode != 401 || calls.Load() != 4 || ts.fetches.Load() != 3 {
		t.Fatalf("second 401: %d, %d calls, %d fetches", resp.StatusCode, calls.Load(), ts.fetches.Load())
	}
}
