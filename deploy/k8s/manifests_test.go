// Package k8s holds the Kubernetes manifests of the gateway
// (docs/gateway-kubernetes.md); its test checks them against the code.
package k8s

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
)

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name string `yaml:"name"`
	} `yaml:"env"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	StartupProbe   *probe `yaml:"startupProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

// object is the part of a manifest the test reads.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas     int `yaml:"replicas"`
		MinAvailable int `yaml:"minAvailable"`
		Selector     struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		// Service: a plain label map.
		Ports []struct {
			TargetPort any `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
				InitContainers                []container `yaml:"initContainers"`
				Containers                    []container `yaml:"containers"`
				Volumes                       []struct {
					Name      string `yaml:"name"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// load parses every document of every manifest, rejecting unknown
// top-level shapes by requiring apiVersion, kind and a name.
func load(t *testing.T) map[string]object {
	t.Helper()
	files, _ := filepath.Glob("*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests")
	}
	objs := map[string]object{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o object
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Fatalf("%s: a document without apiVersion, kind or metadata.name", f)
			}
			objs[o.Kind] = o
		}
	}
	return objs
}

func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "-"+name+"="); ok {
			return v
		}
	}
	return ""
}

func TestManifests(t *testing.T) {
	objs := load(t)
	for _, k := range []string{"ConfigMap", "Deployment", "Service", "PodDisruptionBudget"} {
		if _, ok := objs[k]; !ok {
			t.Fatalf("no %s among the manifests", k)
		}
	}
	dep, svc, pdb, cm := objs["Deployment"], objs["Service"], objs["PodDisruptionBudget"], objs["ConfigMap"]
	labels := dep.Spec.Template.Metadata.Labels
	for what, sel := range map[string]map[string]string{"Deployment": dep.Spec.Selector.MatchLabels, "PodDisruptionBudget": pdb.Spec.Selector.MatchLabels} {
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("the %s selector %s=%s does not match the pod labels %v", what, k, v, labels)
			}
		}
	}
	var svcSel map[string]string
	{
		var raw struct {
			Spec struct {
				Selector map[string]string `yaml:"selector"`
			} `yaml:"spec"`
		}
		b, _ := os.ReadFile("service.yaml")
		yaml.Unmarshal(b, &raw)
		svcSel = raw.Spec.Selector
	}
	for k, v := range svcSel {
		if labels[k] != v {
			t.Errorf("the Service selector %s=%s does not match the pod labels", k, v)
		}
	}
	if pdb.Spec.MinAvailable < 1 || pdb.Spec.MinAvailable >= dep.Spec.Replicas {
		t.Errorf("PodDisruptionBudget minAvailable %d with %d replicas: no disruption could ever proceed, or none is guarded", pdb.Spec.MinAvailable, dep.Spec.Replicas)
	}

	spec := dep.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want the gateway alone", len(spec.Containers))
	}
	gw := spec.Containers[0]
	if !slices.Contains(gw.Command, "wasmadapt-gateway") {
		t.Errorf("the container runs %v, not wasmadapt-gateway", gw.Command)
	}
	listen := flagValue(gw.Args, "listen")
	if len(gw.Ports) != 1 || !strings.HasSuffix(listen, fmt.Sprintf(":%d", gw.Ports[0].ContainerPort)) {
		t.Fatalf("-listen=%s does not listen on the container port %+v", listen, gw.Ports)
	}
	if tp := fmt.Sprint(svc.Spec.Ports[0].TargetPort); tp != gw.Ports[0].Name && tp != fmt.Sprint(gw.Ports[0].ContainerPort) {
		t.Errorf("the Service's targetPort %s is not the container's port", tp)
	}
	grace := flagValue(gw.Args, "grace")
	if grace != "30s" || spec.TerminationGracePeriodSeconds <= 30 {
		t.Errorf("-grace=%s and terminationGracePeriodSeconds %d: the kubelet must wait longer than the drain", grace, spec.TerminationGracePeriodSeconds)
	}

	// The configuration in the ConfigMap validates with the gateway's
	// own loader, and its credential variables are set on the container.
	cfgPath := flagValue(gw.Args, "config")
	mount := ""
	for _, m := range gw.VolumeMounts {
		if strings.HasPrefix(cfgPath, m.MountPath+"/") {
			mount = m.Name
		}
	}
	var cmName string
	for _, v := range spec.Volumes {
		if v.Name == mount && v.ConfigMap != nil {
			cmName = v.ConfigMap.Name
		}
	}
	if cmName != cm.Metadata.Name {
		t.Fatalf("-config=%s is not in the ConfigMap %s (mounted volume %q, ConfigMap %q)", cfgPath, cm.Metadata.Name, mount, cmName)
	}
	text, ok := cm.Data[filepath.Base(cfgPath)]
	if !ok {
		t.Fatalf("the ConfigMap has no key %s", filepath.Base(cfgPath))
	}
	cfg, err := config.Parse("configmap.yaml:gateway.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]bool{}
	for _, e := range gw.Env {
		env[e.Name] = true
	}
	for _, m := range cfg.Models {
		for _, tg := range m.Targets {
			if tg.CredentialEnv != "" && !env[tg.CredentialEnv] {
				t.Errorf("target %s/%s reads %s, which the container does not set", tg.Module, tg.Model, tg.CredentialEnv)
			}
		}
	}
	if cfg.Redis != nil && cfg.Redis.PasswordEnv != "" && !env[cfg.Redis.PasswordEnv] {
		t.Errorf("redis password_env %s is not set on the container", cfg.Redis.PasswordEnv)
	}

	// Every module the configuration names is pulled by the init step,
	// pinned by digest, into the directory the gateway reads.
	modulesDir := flagValue(gw.Args, "modules")
	if modulesDir == "" || cfg.ModulesDir != modulesDir {
		t.Errorf("-modules=%s and modules_dir %s differ", modulesDir, cfg.ModulesDir)
	}
	// The image is the Dockerfile's: distroless, no shell, so every
	// container runs one of the binaries it installs, directly.
	var pulls string
	for _, c := range append(append([]container(nil), spec.InitContainers...), spec.Containers...) {
		if c.Image != gw.Image || len(c.Command) != 1 || (c.Command[0] != "wasmrun" && c.Command[0] != "wasmadapt-gateway") {
			t.Errorf("container %s runs %v in %s: want wasmrun or wasmadapt-gateway (the image has no shell) in %s", c.Name, c.Command, c.Image, gw.Image)
		}
		if c.Command[0] == "wasmrun" {
			pulls += strings.Join(append(c.Command, c.Args...), " ") + "\n"
		}
	}
	if df, err := os.ReadFile("../../Dockerfile"); err != nil || !strings.Contains(string(df), "FROM gcr.io/distroless/static") {
		t.Errorf("the Dockerfile the manifests' image is built from is not distroless/static: %v", err)
	}
	pullRE := regexp.MustCompile(`wasmrun pull oci://\S+@sha256:[0-9a-f]{64} --key \$\(MODULE_PUBKEY\) -o (\S+)`)
	pulled := map[string]bool{}
	for _, m := range pullRE.FindAllStringSubmatch(pulls, -1) {
		pulled[m[1]] = true
	}
	for _, m := range cfg.Models {
		for _, tg := range m.Targets {
			if p := filepath.Join(modulesDir, tg.Module+".wasm"); !pulled[p] {
				t.Errorf("module %s (%s) is not pulled by digest and key by an init container", tg.Module, p)
			}
		}
	}

	// The probes point at endpoints the gateway serves: the gateway built
	// from this very configuration (native adapters) answers them 200.
	srv := serve(t, cfg)
	for name, p := range map[string]*probe{"readiness": gw.ReadinessProbe, "liveness": gw.LivenessProbe, "startup": gw.StartupProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no %s probe", name)
			continue
		}
		if port := fmt.Sprint(p.HTTPGet.Port); port != gw.Ports[0].Name && port != fmt.Sprint(gw.Ports[0].ContainerPort) {
			t.Errorf("%s probe on port %s, not the gateway's", name, port)
		}
		resp, err := http.Get(srv.URL + p.HTTPGet.Path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s probe %s: the gateway answers %d", name, p.HTTPGet.Path, resp.StatusCode)
		}
	}
	if gw.ReadinessProbe != nil && gw.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("the readiness probe must be /readyz, which turns 503 when draining")
	}
}

// serve builds the gateway of cfg with the native adapters.
func serve(t *testing.T, cfg *config.Config) *httptest.Server {
	t.Helper()
	cfg.Redis = nil // the probes do not touch the limits
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{
		Loader: func(_ context.Context, ref string) (engine.Module, error) {
			a := adapterset.New(ref)
			if a == nil {
				return nil, fmt.Errorf("no adapter %q", ref)
			}
			return engine.NewNative(ref, a), nil
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Getenv: func(string) string { return "placeholder" },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv
}
