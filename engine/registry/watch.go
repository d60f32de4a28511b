package registry

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
)

// WatchOptions configures WatchDir. The zero value is usable.
type WatchOptions struct {
	// Interval is how often the directory is scanned (default 200ms).
	Interval time.Duration
	// Debounce is how long a file's size and modification time must stay
	// the same before it is read (default 500ms): a file still being
	// written is never loaded.
	Debounce time.Duration
	// NoActivate loads new versions without activating them (Activate
	// them through the Registry); by default each version that passes
	// validation becomes active at once.
	NoActivate bool
	// Once makes WatchDir return after every .wasm file present has been
	// handled once (loaded, found unchanged or rejected), instead of
	// watching until ctx ends.
	Once bool
}

// fileMark is what a scan remembers of one module file.
type fileMark struct {
	size    int64
	mtime   time.Time
	sigSize int64
	sigTime time.Time
}

type watched struct {
	seen    fileMark
	since   time.Time // when seen last changed
	handled fileMark  // what was last read and handed to the registry
	done    bool
}

// WatchDir watches dir for .wasm files and loads each new or changed one
// into reg under its file name without .wasm (then activates it, unless
// opts.NoActivate). It polls: a file is read once its size and
// modification time have been stable for opts.Debounce, and read again
// only when they change. A file that changes while it is read is left for
// the next scan. Files whose names start with "." are ignored, so a writer
// that writes a temporary ".name.wasm.tmp" and renames it into place is
// picked up whole. With Options.PublicKeys, the ed25519 signature
// of NAME.wasm is read from NAME.wasm.sig next to it (64 raw bytes, or
// their base64); a change of the .sig file alone also triggers a reload.
// Removing a file does not unload its module.
//
// A file larger than the engine's Config.MaxModuleBytes, or a .sig file
// larger than 1 KiB, is never read: it is reported as a rejection at step
// "size" (ErrModuleTooLarge). Load failures (bytes that do not compile, a
// failed self-test, a bad signature) are reported through
// Options.OnChange as rejections
// and the active version keeps serving. WatchDir returns when ctx ends
// (nil), or with opts.Once when every file was handled; a directory that
// cannot be read is an error.
func WatchDir(ctx context.Context, dir string, reg *Registry, opts WatchOptions) error {
	if opts.Interval <= 0 {
		opts.Interval = 200 * time.Millisecond
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 500 * time.Millisecond
	}
	if _, err := os.ReadDir(dir); err != nil {
		return err
	}
	files := map[string]*watched{}
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	for {
		pending, err := scanDir(ctx, dir, reg, &opts, files)
		if err != nil {
			return err
		}
		if opts.Once && pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// scanDir does one scan and returns how many files are waiting to be
// handled.
func scanDir(ctx context.Context, dir string, reg *Registry, opts *WatchOptions, files map[string]*watched) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	pending := 0
	for _, de := range ents {
		fn := de.Name()
		if de.IsDir() || strings.HasPrefix(fn, ".") || !strings.HasSuffix(fn, ".wasm") || fn == ".wasm" {
			continue
		}
		path := filepath.Join(dir, fn)
		mark, ok := markOf(path)
		if !ok {
			continue
		}
		w := files[fn]
		if w == nil {
			w = &watched{seen: mark, since: now}
			files[fn] = w
		}
		if mark != w.seen {
			w.seen, w.since = mark, now
		}
		if w.done && w.handled == mark {
			continue
		}
		pending++
		if now.Sub(w.since) < opts.Debounce {
			continue
		}
		name := strings.TrimSuffix(fn, ".wasm")
		limit := reg.eng.MaxModuleBytes()
		if mark.size > int64(limit) || mark.sigSize > maxSigFileBytes {
			// Never read a file past the limits: a huge (sparse) file
			// would exhaust memory. Reported once per change.
			w.handled, w.done = mark, true
			pending--
			what, size, max := fn, mark.size, int64(limit)
			if mark.size <= int64(limit) {
				what, size, max = fn+".sig", mark.sigSize, maxSigFileBytes
			}
			err := &RejectError{Name: name, Step: "size", Err: fmt.Errorf("%w: %s is %d bytes, the limit is %d (Config.MaxModuleBytes; %d for a .sig file); it was not read",
				engine.ErrModuleTooLarge, what, size, max, maxSigFileBytes)}
			reg.emit(Change{Kind: ChangeRejected, Name: name, Err: err})
			continue
		}
		b, err := readLimited(path, int64(limit))
		if err != nil {
			continue
		}
		var sig []byte
		if len(reg.opts.PublicKeys) > 0 {
			sig = readSig(path + ".sig")
		}
		if after, ok := markOf(path); !ok || after != mark {
			// Changed while being read: wait for it to settle.
			w.seen, w.since = after, now
			continue
		}
		w.handled, w.done = mark, true
		pending--
		lo := []LoadOption{}
		if sig != nil {
			lo = append(lo, WithSignature(sig))
		}
		if !opts.NoActivate {
			lo = append(lo, WithActivate())
		}
		// Errors are reported through OnChange.
		_, _ = reg.Load(ctx, name, b, lo...)
		if errors.Is(ctx.Err(), context.Canceled) {
			return pending, nil
		}
	}
	return pending, nil
}

func markOf(path string) (fileMark, bool) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return fileMark{}, false
	}
	m := fileMark{size: fi.Size(), mtime: fi.ModTime()}
	if si, err := os.Stat(path + ".sig"); err == nil {
		m.sigSize, m.sigTime = si.Size(), si.ModTime()
	}
	return m, true
}

// maxSigFileBytes caps a .sig file: 64 bytes, or their base64 with some
// white space.
const maxSigFileBytes = 1024

// readLimited reads the file at path, which must not be larger than max
// bytes (a file that grew past it since it was measured is an error).
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, engine.ErrModuleTooLarge
	}
	return b, nil
}

// readSig reads a detached signature: 64 raw bytes, or their base64.
func readSig(path string) []byte {
	b, err := readLimited(path, maxSigFileBytes)
	if err != nil {
		return nil
	}
	if len(b) == 64 {
		return b
	}
	s := bytes.TrimSpace(b)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		return b // let verification report it
	}
	return out[:n]
}
