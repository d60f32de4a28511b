package host

import (
	"context"
	"log/slog"
	"os"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Credential is a secret the host injects into provider requests. Key is
// used by the bearer, header and query schemes; the AWS fields by
// aws-sigv4. A Credential never reaches an adapter module, and its String,
// GoString and LogValue methods redact it.
type Credential struct {
	// Key is an API key or token.
	Key string
	// Bearer: Key is an OAuth2 access token, sent as "Authorization:
	// Bearer <Key>" whatever key scheme the module declares (a header such
	// as Azure OpenAI's api-key, or a query parameter), since providers
	// that take either an API key or a token take the token that way
	// (Azure OpenAI with Microsoft Entra ID). Token sources set it.
	Bearer bool
	// AccessKeyID, SecretAccessKey and SessionToken are AWS credentials.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// String redacts the secrets.
func (c Credential) String() string { return "host.Credential{[redacted]}" }

// GoString redacts the secrets.
func (c Credential) GoString() string { return c.String() }

// LogValue redacts the secrets in slog output.
func (c Credential) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// CredentialSource yields the credential for a request. It is called once
// per attempt, so a source may rotate or refresh credentials. Its error is
// returned to the caller as is when it is an *abi.Error, wrapped as an
// authentication error otherwise.
type CredentialSource interface {
	Credential(ctx context.Context) (Credential, error)
}

// CredentialFunc adapts a function to CredentialSource.
type CredentialFunc func(ctx context.Context) (Credential, error)

// Credential calls f.
func (f CredentialFunc) Credential(ctx context.Context) (Credential, error) { return f(ctx) }

// Refresher is a CredentialSource whose credentials can go stale before
// their time (OAuth2 access tokens, revoked or expired early). When the
// provider answers a request 401, the Client calls Stale with the
// credential it refused, then sends the request once more with a fresh
// credential from the source. TokenSource is one.
type Refresher interface {
	CredentialSource
	// Stale drops refused if it is still the cached credential, so that
	// the next Credential fetches a new one.
	Stale(refused Credential)
}

// StaticKey returns a source that always yields key.
func StaticKey(key string) CredentialSource {
	return CredentialFunc(func(context.Context) (Credential, error) { return Credential{Key: key}, nil })
}

// StaticAWS returns a source that always yields the given AWS credentials.
func StaticAWS(accessKeyID, secretAccessKey, sessionToken string) CredentialSource {
	return CredentialFunc(func(context.Context) (Credential, error) {
		return Credential{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey, SessionToken: sessionToken}, nil
	})
}

// EnvKey returns a source that reads the key from the environment variable
// name on every request. An unset or empty variable is an authentication
// error that names the variable.
func EnvKey(name string) CredentialSource {
	return CredentialFunc(func(context.Context) (Credential, error) {
		v := os.Getenv(name)
		if v == "" {
			return Credential{}, abi.Errorf(abi.CodeAuthentication, "environment variable %s is not set: export it with the provider's API key", name)
		}
		return Credential{Key: v}, nil
	})
}

// EnvAWS returns a source that reads AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and (optionally) AWS_SESSION_TOKEN on every
// request.
func EnvAWS() CredentialSource {
	return CredentialFunc(func(context.Context) (Credential, error) {
		c := Credential{
			AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
			SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return Credential{}, abi.Errorf(abi.CodeAuthentication, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set for an aws-sigv4 provider")
		}
		return c, nil
	})
}
