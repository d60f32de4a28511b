package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Guest is a Go guest module that tests build for themselves (beyond the
// adapters and the hostile corpus that make builds to bin/).
type Guest struct {
	// Pkg is the main package's directory, relative to the repository
	// root, e.g. "engine/testdata/guests/echo".
	Pkg string
	// Tags and LDFlags are passed to go build as -tags and -ldflags.
	Tags, LDFlags string
}

// Guests lists, by name, the guests the test packages build with Build.
// internal/testcache compiles every one of them, without the race
// detector, into the run's shared compilation cache before the race-mode
// tests start (the race detector makes wazero's compiler about seven
// times slower): the tests then load them from the cache.
var Guests = map[string]Guest{
	"echo":             {Pkg: "engine/testdata/guests/echo"},
	"hostile":          {Pkg: "engine/testdata/guests/hostile"},
	"raw":              {Pkg: "engine/testdata/guests/raw"},
	"raw-wrongversion": {Pkg: "engine/testdata/guests/raw", Tags: "wrongversion"},
	"raw-missing":      {Pkg: "engine/testdata/guests/raw", Tags: "missing"},
	"raw-forbidden":    {Pkg: "engine/testdata/guests/raw", Tags: "forbidden"},
	"swap-v1":          SwapGuest("1.0.0"),
	"swap-v2":          SwapGuest("2.0.0"),
	"swap-v3":          SwapGuest("3.0.0"),
	"swap-bad":         {Pkg: swapPkg, LDFlags: "-X main.version=3.0.0 -X main.mode=badselftest"},
	"swap-regress":     {Pkg: swapPkg, LDFlags: "-X main.version=2.0.0 -X main.mode=regress"},
	"swap-other":       {Pkg: swapPkg, LDFlags: "-X main.name=other -X main.version=1.0.0"},
	"notape":           {Pkg: "adapters-wasm/openai/module", Tags: "wasmadapt_notape"},
}

const swapPkg = "engine/testdata/swap/guest"

// SwapGuest is the swap test guest (engine/testdata/swap/guest: a chat
// adapter named "chat") with its version set at link time.
func SwapGuest(version string) Guest {
	return Guest{Pkg: swapPkg, LDFlags: "-X main.version=" + version}
}

// Root returns the repository root: the directory of this file's
// package, two levels up.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Build builds g into out with the flags make uses for every module
// (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared -trimpath
// -buildvcs=false): the same source gives the same bytes, and so the
// same compilation-cache entry, in every test package.
func (g Guest) Build(out string) error {
	args := []string{"build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false"}
	if g.Tags != "" {
		args = append(args, "-tags", g.Tags)
	}
	if g.LDFlags != "" {
		args = append(args, "-ldflags", g.LDFlags)
	}
	if !filepath.IsAbs(out) {
		abs, err := filepath.Abs(out)
		if err != nil {
			return err
		}
		out = abs
	}
	cmd := exec.Command("go", append(args, "-o", out, "./"+filepath.ToSlash(filepath.Clean(g.Pkg)))...)
	cmd.Dir = Root()
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s (tags %q, ldflags %q): %v\n%s", g.Pkg, g.Tags, g.LDFlags, err, msg)
	}
	return nil
}

// GuestSet builds the test guests of Guests into Dir, each at most once
// per test binary: concurrent callers of one guest wait for its one build
// and share its error. The zero value with Dir set is ready to use.
type GuestSet struct {
	// Dir is where the guests are written, as <name>.wasm.
	Dir    string
	builds sync.Map // guest name -> *guestBuild
}

type guestBuild struct {
	once sync.Once
	err  error
}

// RunTests is the TestMain body of a package that loads test guests: it
// sets s.Dir and *cacheDir in a new temporary directory named by prefix
// (the cache: the run's shared one, CacheEnv, when that is set), builds
// the guests named in prebuild in parallel when the go tool is there (the
// others build on first use), runs m's tests, removes the directory and
// returns the tests' exit code.
func (s *GuestSet) RunTests(m *testing.M, prefix string, cacheDir *string, prebuild ...string) int {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	s.Dir = filepath.Join(dir, "wasm")
	*cacheDir = CacheDirOr(filepath.Join(dir, "cache"))
	if _, err := exec.LookPath("go"); err == nil {
		var wg sync.WaitGroup
		for _, name := range prebuild {
			wg.Go(func() { s.Build(name) })
		}
		wg.Wait()
	}
	return m.Run()
}

// Build builds guest name into Dir once (see GuestSet).
func (s *GuestSet) Build(name string) error {
	v, _ := s.builds.LoadOrStore(name, new(guestBuild))
	gb := v.(*guestBuild)
	gb.once.Do(func() {
		g, ok := Guests[name]
		if !ok {
			gb.err = fmt.Errorf("no test guest %q in testenv.Guests: add it there", name)
			return
		}
		if err := g.Build(filepath.Join(s.Dir, name+".wasm")); err != nil {
			gb.err = fmt.Errorf("building test guest %s: %w", name, err)
		}
	})
	return gb.err
}

// Wasm returns the bytes of guest name, built once (see GuestSet). The
// test is skipped (SkipMissing) when the go tool, which builds the
// guests, is missing, and fails when the build does.
func (s *GuestSet) Wasm(tb testing.TB, name string) []byte {
	tb.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		SkipMissing(tb, "go tool not found (it builds the test guests): %v", err)
	}
	if err := s.Build(name); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, name+".wasm"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// RaceAdapters are the shipped adapters the race-mode tests load (by name
// or as the first of a directory listing): internal/testcache compiles
// these of bin/adapters ahead, not all of them (compiling the other
// thirty costs more than a minute of CPU for nothing). A test that loads
// another adapter under -race still passes; it only compiles it itself.
// internal/sandboxtest's TestDeterminism runs its Wasm half under -race
// for RaceAdapters only.
var RaceAdapters = []string{
	"anthropic", "gemini", "mistral", "ollama", "openai", "openai-compatible",
	"openai-responses", "openrouter", "vertex-gemini",
}
