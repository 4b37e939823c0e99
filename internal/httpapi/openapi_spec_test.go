package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// oaExtraRoutes are served outside routes(): the document itself (httpapi.New) and sign-in
// (app.Handler).
var oaExtraRoutes = []string{"GET /api/v1/openapi.json", "POST /api/v1/auth/token"}

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// oaSpec is the parsed OpenAPI document with helpers to follow its references.
type oaSpec struct {
	doc map[string]any
}

func loadOASpec(t testing.TB) *oaSpec {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(openapiDoc))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("openapi.json: trailing data after the document")
	}
	return &oaSpec{doc: doc}
}

// pointer resolves a local reference such as #/components/schemas/Ticket.
func (s *oaSpec) pointer(ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	var cur any = s.doc
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref follows $ref until it reaches an object that is not a reference.
func (s *oaSpec) deref(v any) map[string]any {
	for range 10 {
		m, _ := v.(map[string]any)
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		v, _ = s.pointer(ref)
	}
	return nil
}

type oaOperation struct {
	method, path string // method in upper case
	item, op     map[string]any
}

func (s *oaSpec) operations() []oaOperation {
	paths, _ := s.doc["paths"].(map[string]any)
	var out []oaOperation
	for p, v := range paths {
		item, _ := v.(map[string]any)
		for _, m := range oaMethods {
			if o, ok := item[m].(map[string]any); ok {
				out = append(out, oaOperation{method: strings.ToUpper(m), path: p, item: item, op: o})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].path+" "+out[i].method < out[j].path+" "+out[j].method
	})
	return out
}

// parameters returns an operation's parameters, path item's first, resolved.
func (s *oaSpec) parameters(o oaOperation) []map[string]any {
	var out []map[string]any
	for _, list := range []any{o.item["parameters"], o.op["parameters"]} {
		ps, _ := list.([]any)
		for _, p := range ps {
			out = append(out, s.deref(p))
		}
	}
	return out
}

func TestOpenAPIRoutes(t *testing.T) {
	s := loadOASpec(t)
	documented := map[string]bool{}
	for _, o := range s.operations() {
		documented[o.method+" "+o.path] = true
	}
	served := map[string]bool{}
	for _, r := range (&API{}).routes() {
		served[r.method+" "+r.path] = true
	}
	for _, r := range oaExtraRoutes {
		served[r] = true
	}
	var undocumented, unserved []string
	for r := range served {
		if !documented[r] {
			undocumented = append(undocumented, r)
		}
	}
	for r := range documented {
		if !served[r] {
			unserved = append(unserved, r)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unserved)
	for _, r := range undocumented {
		t.Errorf("route %s is served but missing from openapi.json", r)
	}
	for _, r := range unserved {
		t.Errorf("openapi.json documents %s, which no route serves", r)
	}
}

var oaPathParam = regexp.MustCompile(`\{([^{}]+)\}`)

func TestOpenAPIOperations(t *testing.T) {
	s := loadOASpec(t)
	if v, _ := s.doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := s.doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Error("info needs a title and a version")
	}
	components, _ := s.doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	tagNames := map[string]bool{}
	tags, _ := s.doc["tags"].([]any)
	for _, tg := range tags {
		name, _ := tg.(map[string]any)["name"].(string)
		tagNames[name] = true
	}
	checkSecurity := func(where string, v any) {
		reqs, _ := v.([]any)
		for _, r := range reqs {
			for name := range r.(map[string]any) {
				if schemes[name] == nil {
					t.Errorf("%s: security scheme %q is not defined", where, name)
				}
			}
		}
	}
	checkSecurity("document", s.doc["security"])

	ids := map[string]string{}
	for _, o := range s.operations() {
		at := o.method + " " + o.path
		id, _ := o.op["operationId"].(string)
		switch {
		case id == "":
			t.Errorf("%s: no operationId", at)
		case ids[id] != "":
			t.Errorf("%s: operationId %q is also used by %s", at, id, ids[id])
		default:
			ids[id] = at
		}
		if sum, _ := o.op["summary"].(string); strings.TrimSpace(sum) == "" {
			t.Errorf("%s: no summary", at)
		}
		tl, _ := o.op["tags"].([]any)
		for _, tg := range tl {
			if name, _ := tg.(string); !tagNames[name] {
				t.Errorf("%s: tag %q is not declared in the document's tags", at, name)
			}
		}
		checkSecurity(at, o.op["security"])

		responses, _ := o.op["responses"].(map[string]any)
		ok := false
		for code, r := range responses {
			if code != "default" && !regexp.MustCompile(`^[1-5]([0-9]{2}|XX)$`).MatchString(code) {
				t.Errorf("%s: response key %q is not a status code", at, code)
			}
			if strings.HasPrefix(code, "2") {
				ok = true
			}
			if d, _ := s.deref(r)["description"].(string); d == "" {
				t.Errorf("%s: response %s has no description", at, code)
			}
		}
		if !ok {
			t.Errorf("%s: no 2xx response", at)
		}
		if rb, found := o.op["requestBody"]; found {
			if c, _ := s.deref(rb)["content"].(map[string]any); len(c) == 0 {
				t.Errorf("%s: request body without content", at)
			}
		}

		inTemplate := map[string]bool{}
		for _, m := range oaPathParam.FindAllStringSubmatch(o.path, -1) {
			inTemplate[m[1]] = true
		}
		declared := map[string]bool{}
		seen := map[string]bool{}
		for _, p := range s.parameters(o) {
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			if name == "" || !slices.Contains([]string{"path", "query", "header", "cookie"}, in) {
				t.Errorf("%s: parameter %v needs a name and a valid `in`", at, p)
				continue
			}
			if p["schema"] == nil && p["content"] == nil {
				t.Errorf("%s: parameter %s has neither schema nor content", at, name)
			}
			if key := in + " " + strings.ToLower(name); seen[key] {
				t.Errorf("%s: parameter %s (%s) is declared twice", at, name, in)
			} else {
				seen[key] = true
			}
			if in != "path" {
				continue
			}
			declared[name] = true
			if !inTemplate[name] {
				t.Errorf("%s: path parameter %s is not in the path", at, name)
			}
			if p["required"] != true {
				t.Errorf("%s: path parameter %s must be required", at, name)
			}
		}
		for name := range inTemplate {
			if !declared[name] {
				t.Errorf("%s: path parameter {%s} is not declared", at, name)
			}
		}
	}

	// Every reference resolves within the document.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, found := s.pointer(ref); !found {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, c := range v {
				walk(c, at+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(s.doc, "#")
}

func TestOpenAPIServed(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, openapiDoc) {
		t.Error("the served document differs from openapi.json")
	}
}
