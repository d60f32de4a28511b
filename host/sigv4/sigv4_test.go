package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The credentials, date, region and service of AWS's SigV4 test suite
// (aws-sig-v4-test-suite, as shipped with the AWS SDKs).
var (
	suiteCreds = Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	suiteTime  = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	suite      = Signer{Region: "us-east-1", Service: "service", SingleEncodePath: true}
)

func suiteRequest(t *testing.T, method, rawURL string, headers [][2]string, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		req.Header.Add(h[0], h[1])
	}
	return req
}

// TestSuiteVectors reproduces the Authorization header of published test
// suite cases.
func TestSuiteVectors(t *testing.T) {
	const host = "https://example.amazonaws.com"
	tests := []struct {
		name    string
		method  string
		url     string
		headers [][2]string
		body    string
		signed  string
		sig     string
	}{
		{"get-vanilla", "GET", host + "/", nil, "", "host;x-amz-date",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "GET", host + "/?Param2=value2&Param1=value1", nil, "", "host;x-amz-date",
			"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{"get-vanilla-empty-query-key", "GET", host + "/?Param1=value1", nil, "", "host;x-amz-date",
			"a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
		{"get-vanilla-query-unreserved", "GET", host + "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", nil, "", "host;x-amz-date",
			"9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
		{"get-vanilla-utf8-query", "GET", host + "/?" + url.QueryEscape("ሴ") + "=bar", nil, "", "host;x-amz-date",
			"2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
		{"get-unreserved", "GET", host + "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", nil, "", "host;x-amz-date",
			"07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
		{"get-utf8", "GET", host + "/ሴ", nil, "", "host;x-amz-date",
			"8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
		{"get-header-key-duplicate", "GET", host + "/", [][2]string{{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}, "", "host;my-header1;x-amz-date",
			"c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
		{"get-header-value-order", "GET", host + "/", [][2]string{{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}}, "", "host;my-header1;x-amz-date",
			"08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
		{"get-header-value-trim", "GET", host + "/", [][2]string{{"My-Header1", " value1"}, {"My-Header2", ` "a   b   c"`}}, "", "host;my-header1;my-header2;x-amz-date",
			"acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
		{"post-vanilla", "POST", host + "/", nil, "", "host;x-amz-date",
			"5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
		{"post-vanilla-query", "POST", host + "/?Param1=value1", nil, "", "host;x-amz-date",
			"28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
		{"post-header-key-sort", "POST", host + "/", [][2]string{{"My-Header1", "value1"}}, "", "host;my-header1;x-amz-date",
			"c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
		{"post-header-value-case", "POST", host + "/", [][2]string{{"My-Header1", "VALUE1"}}, "", "host;my-header1;x-amz-date",
			"cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
		{"post-x-www-form-urlencoded", "POST", host + "/", [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}, "Param1=value1", "content-type;host;x-amz-date",
			"ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
		{"post-x-www-form-urlencoded-parameters", "POST", host + "/", [][2]string{{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}}, "Param1=value1", "content-type;host;x-amz-date",
			"1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := suiteRequest(t, tt.method, tt.url, tt.headers, tt.body)
			if err := suite.Sign(req, PayloadHash([]byte(tt.body)), suiteCreds, suiteTime); err != nil {
				t.Fatal(err)
			}
			want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
				tt.signed + ", Signature=" + tt.sig
			if got := req.Header.Get("Authorization"); got != want {
				creq, _ := suite.CanonicalRequest(req, PayloadHash([]byte(tt.body)))
				t.Errorf("Authorization\n got %s\nwant %s\ncanonical request:\n%s", got, want, creq)
			}
			if got := req.Header.Get("X-Amz-Date"); got != "20150830T123600Z" {
				t.Errorf("X-Amz-Date = %q", got)
			}
		})
	}
}

// TestSuiteIntermediates checks the get-vanilla canonical request and string
// to sign published with the suite.
func TestSuiteIntermediates(t *testing.T) {
	req := suiteRequest(t, "GET", "https://example.amazonaws.com/", [][2]string{{"X-Amz-Date", "20150830T123600Z"}}, "")
	creq, signed := suite.CanonicalRequest(req, EmptyPayloadHash)
	wantCreq := "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptyPayloadHash
	if creq != wantCreq || signed != "host;x-amz-date" {
		t.Errorf("canonical request\n got %q\nwant %q", creq, wantCreq)
	}
	sts := StringToSign(suiteTime, Scope(suiteTime, "us-east-1", "service"), creq)
	wantSTS := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
	if sts != wantSTS {
		t.Errorf("string to sign\n got %q\nwant %q", sts, wantSTS)
	}
}

func TestCanonicalURIDoubleEncoding(t *testing.T) {
	tests := []struct {
		path   string
		double bool
		want   string
	}{
		{"/model/anthropic.claude-v2:1/invoke", true, "/model/anthropic.claude-v2%253A1/invoke"},
		{"/model/anthropic.claude-v2:1/invoke", false, "/model/anthropic.claude-v2%3A1/invoke"},
		{"", true, "/"},
		{"/a b", false, "/a%20b"},
	}
	for _, tt := range tests {
		if got := CanonicalURI(tt.path, tt.double); got != tt.want {
			t.Errorf("CanonicalURI(%q, %v) = %q, want %q", tt.path, tt.double, got, tt.want)
		}
	}
}

func TestSessionTokenSigned(t *testing.T) {
	req := suiteRequest(t, "POST", "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke", nil, "{}")
	creds := suiteCreds
	creds.SessionToken = "TOKEN"
	if err := (Signer{Region: "us-east-1", Service: "bedrock"}).Sign(req, PayloadHash([]byte("{}")), creds, suiteTime); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("X-Amz-Security-Token") != "TOKEN" {
		t.Fatal("session token header missing")
	}
	if !strings.Contains(req.Header.Get("Authorization"), "SignedHeaders=host;x-amz-date;x-amz-security-token,") {
		t.Errorf("session token not signed: %s", req.Header.Get("Authorization"))
	}
}

func TestNoCredentials(t *testing.T) {
	req := suiteRequest(t, "GET", "https://example.amazonaws.com/", nil, "")
	if err := suite.Sign(req, EmptyPayloadHash, Credentials{}, suiteTime); err != ErrNoCredentials {
		t.Fatalf("err = %v, want ErrNoCredentials", err)
	}
	if s := (Credentials{AccessKeyID: "A", SecretAccessKey: "S3CRET"}).String(); strings.Contains(s, "S3CRET") {
		t.Errorf("String leaks the secret: %s", s)
	}
}
