package registry

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/waitctx"
)

// Registry holds adapter modules by name, each with its versions (addressed
// by the sha256 digest of their bytes), one active version per name and the
// previously active one kept for rollback (hot swap).
//
// Every activation starts a new generation: the version's own Module, with
// its own bounded pool. A Handle (Registry.Module) resolves the active
// generation at the start of each call, so new requests get the new
// version at once, while a request or stream that started on a generation
// finishes on it. A generation that is no longer active is drained (its
// in-flight calls, pins and streams end), then closed: its instances and
// compiled code are released.
//
// A Registry is safe for concurrent use.
type Registry struct {
	eng  *engine.Engine
	opts Options

	mu     sync.Mutex
	byName map[string]*entry
	closed bool

	genID    atomic.Uint64
	streamID atomic.Uint64
	emitMu   sync.Mutex
	drains   sync.WaitGroup
}

// Options configures a Registry. The zero value is usable.
type Options struct {
	// PublicKeys, when not empty, require every module to carry an
	// ed25519 signature of its bytes by one of these keys (WithSignature;
	// a .sig file for WatchDir). Unsigned modules are then refused.
	PublicKeys []ed25519.PublicKey
	// OnChange, when set, receives every change (loads, rejections,
	// activations, rollbacks, drains) in the order they happen. It is
	// called synchronously from the goroutine that made the change, one
	// call at a time; it must not call back into the Registry.
	OnChange func(Change)
	// SelfTest, when set, replaces the built-in runner of a module's own
	// cases (see RunSelfTest, which frames bodies of every framing with
	// package framing, as the host does). It returns nil when every case
	// passes.
	SelfTest func(ctx context.Context, m engine.Module, cases []byte) error
	// SkipSelfTest loads modules without running their own cases.
	SkipSelfTest bool
	// DrainTimeout bounds how long a retired generation waits for the
	// streams that were started on it through a Handle without Pin and
	// never reached their end call (a caller that stopped reading). Past
	// it, those streams are abandoned and the generation is closed once
	// its calls in flight are done; a later call of such a stream is
	// migrated (MigrateStreams) or fails with adapter_trap. Default 5
	// minutes. Calls in flight and Pin holders are always waited for.
	DrainTimeout time.Duration
	// MigrateStreams lets a stream started on a retired generation
	// continue on the active one when both versions declare the same
	// non-empty state_format (abi.Capabilities.StateFormat); otherwise,
	// and by default, streams stay pinned to the generation that served
	// their first call.
	MigrateStreams bool
	// NoPrewarm skips filling a generation's pool before it is
	// activated. By default every instance of the pool (Config.PoolSize)
	// is created and initialized before the swap, so that the first
	// requests on the new version do not pay for instantiation.
	NoPrewarm bool
	// KeepVersions is how many versions' bytes are kept per name for
	// Activate (default 4; the active and previous ones are always
	// kept).
	KeepVersions int
}

// Version identifies one loaded version of a named module.
type Version struct {
	// Name is the registry name of the module.
	Name string
	// Digest is the hex sha256 of the module's bytes.
	Digest string
	// Declared is the version the module declares in its capabilities.
	Declared string
	// ABI is the ABI version the module implements ("major.minor.patch").
	ABI string
	// StateFormat is the module's declared transform state format.
	StateFormat string
	// SelfTestCases is the number of the module's own cases that passed.
	SelfTestCases int
	// Signed reports whether a configured key verified the module.
	Signed bool
	// LoadedAt is when the version was first validated.
	LoadedAt time.Time
	// LoadDuration is how long validation and compilation took.
	LoadDuration time.Duration
}

// String formats the version as "name@declared (digest prefix)".
func (v Version) String() string {
	d := v.Digest
	if len(d) > 12 {
		d = d[:12]
	}
	return fmt.Sprintf("%s@%s (%s)", v.Name, v.Declared, d)
}

// ModuleInfo is what List reports for one name.
type ModuleInfo struct {
	// Name is the module's registry name.
	Name string
	// Active is the active version (zero Digest when none is active).
	Active Version
	// Generation is the active generation's number (0 when none).
	Generation uint64
	// Previous is the version Rollback would restore (zero when none).
	Previous Version
	// Versions are the versions whose bytes are kept, newest first.
	Versions []Version
	// Draining is the number of retired generations not yet closed.
	Draining int
}

// ChangeKind says what a Change reports.
type ChangeKind string

// The kinds of Change.
const (
	// ChangeLoaded: a version passed validation.
	ChangeLoaded ChangeKind = "loaded"
	// ChangeUnchanged: the bytes loaded are a version already known.
	ChangeUnchanged ChangeKind = "unchanged"
	// ChangeRejected: a version failed validation (Err says why); the
	// active version keeps serving.
	ChangeRejected ChangeKind = "rejected"
	// ChangeActivated: a version became active (Previous is the version
	// it replaced, if any).
	ChangeActivated ChangeKind = "activated"
	// ChangeRolledBack: the previous version became active again.
	ChangeRolledBack ChangeKind = "rolled-back"
	// ChangeDrained: a retired generation finished its last request and
	// was closed.
	ChangeDrained ChangeKind = "drained"
)

// Change is one event of the registry's life.
type Change struct {
	// Kind says what happened.
	Kind ChangeKind
	// Name is the module's registry name.
	Name string
	// Version is the version concerned (for a rejection: its digest, and
	// what was learnt before it failed).
	Version Version
	// Previous is the version an activation or rollback replaced.
	Previous Version
	// Generation is the generation activated or drained.
	Generation uint64
	// Err is why a version was rejected.
	Err error
	// Time is when the change happened.
	Time time.Time
}

// String formats the change as one line.
func (c Change) String() string {
	switch c.Kind {
	case ChangeRejected:
		return fmt.Sprintf("rejected %s %s: %v", c.Name, shortDigest(c.Version.Digest), c.Err)
	case ChangeActivated, ChangeRolledBack:
		prev := "none"
		if c.Previous.Digest != "" {
			prev = c.Previous.String()
		}
		return fmt.Sprintf("%s %s generation %d (was %s)", c.Kind, c.Version, c.Generation, prev)
	case ChangeDrained:
		return fmt.Sprintf("drained %s generation %d: closed", c.Version, c.Generation)
	default:
		return fmt.Sprintf("%s %s in %s", c.Kind, c.Version, c.Version.LoadDuration.Round(time.Millisecond))
	}
}

func shortDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// entry is one name's versions and generations.
type entry struct {
	name string
	// op serializes Load, Activate and Rollback of this name.
	op       sync.Mutex
	active   atomic.Pointer[generation]
	versions []*stored // newest first
	previous string    // digest Rollback restores
	// staged is the validated Module of the newest version loaded, kept
	// so that activating it does not compile again.
	staged *stored
	// draining are the retired generations not yet closed.
	draining map[*generation]struct{}
}

// stored is one version's bytes and metadata.
type stored struct {
	v    Version
	wasm []byte
	mod  engine.Module // validated module when staged, else nil
}

// generation is one activation of a version: its Module and the
// references that keep it open.
type generation struct {
	id  uint64
	v   Version
	mod engine.Module
	// refs counts the registry's own reference (while active), calls in
	// flight, pins and open streams. At 0 the generation is closed and
	// can never be acquired again.
	refs atomic.Int64

	mu      sync.Mutex
	streams map[uint64]struct{} // open streams, each holding one ref
	done    chan struct{}       // closed once the engine.Module is closed
}

// tryAcquire takes a reference unless the generation already reached 0.
func (g *generation) tryAcquire() bool {
	for {
		n := g.refs.Load()
		if n <= 0 {
			return false
		}
		if g.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// New returns an empty Registry whose modules e compiles and runs.
// Close the Registry before the Engine.
func New(e *engine.Engine, opts Options) *Registry {
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 5 * time.Minute
	}
	if opts.KeepVersions <= 0 {
		opts.KeepVersions = 4
	}
	return &Registry{eng: e, opts: opts, byName: map[string]*entry{}}
}

func (r *Registry) entry(name string, create bool) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	en := r.byName[name]
	if en == nil && create {
		en = &entry{name: name, draining: map[*generation]struct{}{}}
		r.byName[name] = en
	}
	return en
}

func (r *Registry) emit(c Change) {
	if r.opts.OnChange == nil {
		return
	}
	c.Time = time.Now()
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.opts.OnChange(c)
}

// LoadOption adjusts one Load.
type LoadOption func(*loadConfig)

type loadConfig struct {
	sig      []byte
	activate bool
	pinned   string
	pinSet   bool // LoadPinned: pinned must be a digest
}

// WithSignature gives the ed25519 signature of the module's bytes (64 raw
// bytes), checked against Options.PublicKeys.
func WithSignature(sig []byte) LoadOption { return func(c *loadConfig) { c.sig = sig } }

// WithActivate makes Load activate the version once it is validated (a
// version already known is activated too, if it is not the active one).
func WithActivate() LoadOption { return func(c *loadConfig) { c.activate = true } }

// Errors of the registry, matched with errors.Is.
var (
	// ErrUnknownModule: no module of that name is registered.
	ErrUnknownModule = errors.New("registry: no module of that name is loaded: load it first")
	// ErrUnknownVersion: the name has no version with that digest.
	ErrUnknownVersion = errors.New("registry: no version with that digest is kept for the module: load its bytes again")
	// ErrNoPrevious: Rollback found no previous version.
	ErrNoPrevious = errors.New("registry: the module has no previous version to roll back to")
	// ErrRegistryClosed: the registry was closed.
	ErrRegistryClosed = errors.New("registry: the registry is closed: create a new one with registry.New")
)

// RejectError is the error of a rejected version (errors.As): Step names
// the validation step that failed ("digest pin", "size", "signature",
// "compile", "capabilities", "self-test") and Err says why.
type RejectError struct {
	// Name is the module's registry name.
	Name string
	// Step is the validation step that failed.
	Step string
	// Err is the step's error.
	Err error
}

// Error says which module was rejected at which step, and why.
func (e *RejectError) Error() string {
	return fmt.Sprintf("registry: module %q rejected at %s: %v", e.Name, e.Step, e.Err)
}

// Unwrap returns the step's error.
func (e *RejectError) Unwrap() error { return e.Err }

// Load validates wasm as a version of the module name and keeps it; it
// does not activate it unless WithActivate is given. Validation, in order:
// the size (Config.MaxModuleBytes), the signature (when
// Options.PublicKeys is set; checked on every load), compilation
// within the engine's limits with the ABI checks of Engine.Load (imports,
// exports, ABI version), capabilities for "" (sane, and declaring name),
// then the module's own self-test cases. A failure returns an error saying
// which step failed and why, emits ChangeRejected, and leaves the active
// version serving. Bytes whose digest is already known are not compiled
// again: Load returns the known Version (ChangeUnchanged).
func (r *Registry) Load(ctx context.Context, name string, wasm []byte, opts ...LoadOption) (Version, error) {
	var lc loadConfig
	for _, o := range opts {
		o(&lc)
	}
	return r.load(ctx, name, wasm, &lc)
}

// LoadPinned is Load for bytes that must have the digest wantDigest (hex
// sha256): bytes with another digest are refused before anything is
// compiled. A pin that is not 64 hex digits (an empty one included) is
// refused: it would pin nothing.
func (r *Registry) LoadPinned(ctx context.Context, name, wantDigest string, wasm []byte, opts ...LoadOption) (Version, error) {
	lc := loadConfig{pinned: strings.ToLower(wantDigest), pinSet: true}
	for _, o := range opts {
		o(&lc)
	}
	return r.load(ctx, name, wasm, &lc)
}

// validDigest reports whether d is a lower-case hex sha256.
func validDigest(d string) bool {
	if len(d) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(d)
	return err == nil
}

// Digest returns the hex sha256 of wasm: the name of a version.
func Digest(wasm []byte) string {
	sum := sha256.Sum256(wasm)
	return hex.EncodeToString(sum[:])
}

func (r *Registry) load(ctx context.Context, name string, wasm []byte, lc *loadConfig) (Version, error) {
	if name == "" || strings.ContainsAny(name, "/\\") {
		return Version{}, fmt.Errorf("registry: module name %q is not valid: use a non-empty name without path separators", name)
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return Version{}, ErrRegistryClosed
	}
	digest := Digest(wasm)
	v := Version{Name: name, Digest: digest}
	reject := func(step string, err error) (Version, error) {
		re := &RejectError{Name: name, Step: step, Err: err}
		r.emit(Change{Kind: ChangeRejected, Name: name, Version: v, Err: re})
		return v, re
	}
	if lc.pinSet && !validDigest(lc.pinned) {
		return reject("digest pin", fmt.Errorf("the pin %q is not a hex sha256 (64 hex digits): an empty or malformed pin would pin nothing", lc.pinned))
	}
	if lc.pinSet && lc.pinned != digest {
		return reject("digest pin", fmt.Errorf("bytes have sha256 %s, the pin wants %s: refusing to compile them (fetch the module the pin names)", digest, lc.pinned))
	}
	if max := r.eng.MaxModuleBytes(); len(wasm) > max {
		return reject("size", fmt.Errorf("%w: %d bytes, the limit is %d (Config.MaxModuleBytes)", engine.ErrModuleTooLarge, len(wasm), max))
	}
	// Every load verifies the signature, bytes already known included:
	// a known digest with a wrong signature is refused, not a no-op.
	signed := false
	if len(r.opts.PublicKeys) > 0 {
		if len(lc.sig) == 0 {
			return reject("signature", errors.New("module is unsigned and public keys are configured: sign its bytes with ed25519 and give the signature (a .sig file next to the .wasm)"))
		}
		for _, k := range r.opts.PublicKeys {
			if len(k) == ed25519.PublicKeySize && len(lc.sig) == ed25519.SignatureSize && ed25519.Verify(k, wasm, lc.sig) {
				signed = true
				break
			}
		}
		if !signed {
			return reject("signature", errors.New("the signature does not verify against any configured public key: re-sign the exact bytes with a trusted key"))
		}
	}
	v.Signed = signed
	en := r.entry(name, true)
	en.op.Lock()
	defer en.op.Unlock()
	if s := en.find(digest); s != nil {
		r.emit(Change{Kind: ChangeUnchanged, Name: name, Version: s.v})
		if lc.activate {
			if g := en.active.Load(); g == nil || g.v.Digest != digest {
				if err := r.activateLocked(ctx, en, s, ChangeActivated); err != nil {
					return s.v, err
				}
			}
		}
		return s.v, nil
	}
	start := time.Now()
	m, err := r.eng.Load(ctx, name, wasm)
	if err != nil {
		return reject("compile", err)
	}
	keep := false
	defer func() {
		if !keep {
			m.Close(context.WithoutCancel(ctx))
		}
	}()
	caps, err := m.Capabilities(ctx, "")
	if err != nil {
		return reject("capabilities", err)
	}
	v.Declared, v.ABI, v.StateFormat = caps.Version, caps.ABIVersion, caps.StateFormat
	if caps.Name != name {
		return reject("capabilities", fmt.Errorf("module declares name %q, registered as %q: rename the file or fix the module's Capabilities.Name", caps.Name, name))
	}
	if caps.Version == "" {
		return reject("capabilities", errors.New("module declares no version: set Capabilities.Version"))
	}
	if !r.opts.SkipSelfTest {
		n, err := r.selfTest(ctx, m)
		if err != nil {
			return reject("self-test", err)
		}
		v.SelfTestCases = n
	}
	v.LoadedAt = time.Now()
	v.LoadDuration = v.LoadedAt.Sub(start)
	s := &stored{v: v, wasm: append([]byte(nil), wasm...), mod: m}
	keep = true
	if en.staged != nil && en.staged.mod != nil {
		en.staged.mod.Close(context.WithoutCancel(ctx))
		en.staged.mod = nil
	}
	en.staged = s
	en.versions = append([]*stored{s}, en.versions...)
	en.trim(r.opts.KeepVersions)
	r.emit(Change{Kind: ChangeLoaded, Name: name, Version: v})
	if lc.activate {
		if err := r.activateLocked(ctx, en, s, ChangeActivated); err != nil {
			return v, err
		}
	}
	return v, nil
}

func (r *Registry) selfTest(ctx context.Context, m engine.Module) (int, error) {
	cases, err := engine.SelfTest(ctx, m)
	if err != nil {
		return 0, err
	}
	if r.opts.SelfTest != nil {
		if err := r.opts.SelfTest(ctx, m, cases); err != nil {
			return 0, err
		}
		return countCases(cases), nil
	}
	return RunSelfTest(ctx, m, cases)
}

func (en *entry) find(digest string) *stored {
	for _, s := range en.versions {
		if s.v.Digest == digest {
			return s
		}
	}
	return nil
}

// trim drops the bytes of the oldest versions beyond keep, never the
// active, previous or staged one.
func (en *entry) trim(keep int) {
	if len(en.versions) <= keep {
		return
	}
	act := ""
	if g := en.active.Load(); g != nil {
		act = g.v.Digest
	}
	out := en.versions[:0]
	for i, s := range en.versions {
		if i < keep || s.v.Digest == act || s.v.Digest == en.previous || s == en.staged {
			out = append(out, s)
		}
	}
	clear(en.versions[len(out):])
	en.versions = out
}

// Activate makes the version of name with the given digest the active one:
// from this call on, new requests through the name's Handle are served by
// a new generation of it; the replaced version becomes the one Rollback
// restores, and its generation drains.
func (r *Registry) Activate(ctx context.Context, name, digest string) error {
	en := r.entry(name, false)
	if en == nil {
		return fmt.Errorf("%w (%q)", ErrUnknownModule, name)
	}
	en.op.Lock()
	defer en.op.Unlock()
	s := en.find(strings.ToLower(digest))
	if s == nil {
		return fmt.Errorf("%w (%s %s)", ErrUnknownVersion, name, digest)
	}
	if g := en.active.Load(); g != nil && g.v.Digest == s.v.Digest {
		return nil
	}
	return r.activateLocked(ctx, en, s, ChangeActivated)
}

// Rollback makes the previous version of name active again (the one the
// last activation replaced); the version it replaces becomes the previous
// one, so a second Rollback undoes the first.
func (r *Registry) Rollback(ctx context.Context, name string) error {
	en := r.entry(name, false)
	if en == nil {
		return fmt.Errorf("%w (%q)", ErrUnknownModule, name)
	}
	en.op.Lock()
	defer en.op.Unlock()
	if en.previous == "" {
		return fmt.Errorf("%w (%q)", ErrNoPrevious, name)
	}
	s := en.find(en.previous)
	if s == nil {
		return fmt.Errorf("%w (%s %s)", ErrUnknownVersion, name, en.previous)
	}
	return r.activateLocked(ctx, en, s, ChangeRolledBack)
}

// activateLocked starts a generation of s and swaps it in; en.op is held.
func (r *Registry) activateLocked(ctx context.Context, en *entry, s *stored, kind ChangeKind) error {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return ErrRegistryClosed
	}
	m := s.mod
	if m != nil {
		s.mod = nil
		if en.staged == s {
			en.staged = nil
		}
	} else {
		// Compile again: the engine's compilation cache makes this
		// fast for bytes it has seen.
		var err error
		if m, err = r.eng.Load(ctx, en.name, s.wasm); err != nil {
			return fmt.Errorf("registry: activating %s: %w", s.v, err)
		}
	}
	if !r.opts.NoPrewarm {
		if err := engine.Prewarm(ctx, m); err != nil {
			m.Close(context.WithoutCancel(ctx))
			return fmt.Errorf("registry: activating %s: instantiating its pool: %w", s.v, err)
		}
	}
	g := &generation{id: r.genID.Add(1), v: s.v, mod: m, streams: map[uint64]struct{}{}, done: make(chan struct{})}
	g.refs.Store(1) // the registry's reference while active
	// The replaced generation is listed as draining before it stops
	// being active, so that its streams always find it (lookup).
	old := en.active.Load()
	if old != nil {
		r.mu.Lock()
		en.draining[old] = struct{}{}
		r.mu.Unlock()
	}
	en.active.Store(g)
	var prev Version
	if old != nil {
		prev = old.v
		en.previous = old.v.Digest
	}
	r.emit(Change{Kind: kind, Name: en.name, Version: s.v, Previous: prev, Generation: g.id})
	if old != nil {
		r.retire(en, old)
	}
	en.trim(r.opts.KeepVersions)
	return nil
}

// retire drops the registry's reference to g and closes it once drained.
// The caller listed g in en.draining before it stopped being active.
func (r *Registry) retire(en *entry, g *generation) {
	r.drains.Add(1)
	r.release(g)
	go func() {
		defer r.drains.Done()
		t := time.NewTimer(r.opts.DrainTimeout)
		defer t.Stop()
		select {
		case <-g.done:
		case <-t.C:
			// Abandon the streams that never ended: each held one
			// reference.
			g.mu.Lock()
			ids := make([]uint64, 0, len(g.streams))
			for id := range g.streams {
				ids = append(ids, id)
			}
			clear(g.streams)
			g.mu.Unlock()
			for range ids {
				r.release(g)
			}
			<-g.done
		}
		r.mu.Lock()
		delete(en.draining, g)
		r.mu.Unlock()
		r.emit(Change{Kind: ChangeDrained, Name: en.name, Version: g.v, Generation: g.id})
	}()
}

// release drops one reference of g, closing it at the last.
func (r *Registry) release(g *generation) {
	if g.refs.Add(-1) == 0 {
		g.mod.Close(context.Background())
		close(g.done)
	}
}

// acquire returns the active generation of en with a reference taken.
func (r *Registry) acquire(en *entry) (*generation, error) {
	for {
		g := en.active.Load()
		if g == nil {
			return nil, abi.Errorf(abi.CodeAdapterTrap, "module %q has no active version: load and activate one", en.name)
		}
		if g.tryAcquire() {
			return g, nil
		}
		// g was retired and drained between Load and tryAcquire: the
		// new one is already stored.
	}
}

// List reports every name's active, previous and kept versions, sorted by
// name.
func (r *Registry) List() []ModuleInfo {
	r.mu.Lock()
	ens := make([]*entry, 0, len(r.byName))
	for _, en := range r.byName {
		ens = append(ens, en)
	}
	r.mu.Unlock()
	sort.Slice(ens, func(i, j int) bool { return ens[i].name < ens[j].name })
	out := make([]ModuleInfo, 0, len(ens))
	for _, en := range ens {
		en.op.Lock()
		mi := ModuleInfo{Name: en.name}
		if g := en.active.Load(); g != nil {
			mi.Active, mi.Generation = g.v, g.id
		}
		if s := en.find(en.previous); s != nil && en.previous != "" {
			mi.Previous = s.v
		}
		for _, s := range en.versions {
			mi.Versions = append(mi.Versions, s.v)
		}
		r.mu.Lock()
		mi.Draining = len(en.draining)
		r.mu.Unlock()
		en.op.Unlock()
		out = append(out, mi)
	}
	return out
}

// Module returns the Handle of name: an engine.Module whose every call is
// served by the name's active generation at the call's start (streams stay
// on the generation of their first call, see Handle). The name needs no
// version yet; calls fail with adapter_trap until one is active.
func (r *Registry) Module(name string) *Handle {
	return &Handle{r: r, en: r.entry(name, true)}
}

// Get pins the active version of name, like Handle.Pin: every call of
// the returned Module is served by that version, whose generation stays
// open until release is called (once or more).
func (r *Registry) Get(name string) (m engine.Module, release func(), err error) {
	en := r.entry(name, false)
	if en == nil {
		return nil, nil, fmt.Errorf("%w (%q)", ErrUnknownModule, name)
	}
	g, err := r.acquire(en)
	if err != nil {
		return nil, nil, err
	}
	var once sync.Once
	return g.mod, func() { once.Do(func() { r.release(g) }) }, nil
}

// Close retires every active generation, waits for every generation to
// drain (bounded by ctx: past it, waiting stops and generations still in
// use close when their last call ends) and drops the kept versions. It
// does not close the Engine.
func (r *Registry) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ens := make([]*entry, 0, len(r.byName))
	for _, en := range r.byName {
		ens = append(ens, en)
	}
	r.mu.Unlock()
	for _, en := range ens {
		en.op.Lock()
		if g := en.active.Load(); g != nil {
			r.mu.Lock()
			en.draining[g] = struct{}{}
			r.mu.Unlock()
			en.active.Store(nil)
			r.retire(en, g)
		}
		if en.staged != nil && en.staged.mod != nil {
			en.staged.mod.Close(ctx)
			en.staged.mod = nil
		}
		en.staged, en.versions = nil, nil
		en.op.Unlock()
	}
	return waitctx.Wait(ctx, &r.drains)
}
