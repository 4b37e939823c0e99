package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/automation"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
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

// ---- checking answers against the document ---------------------------------------------

// check validates v against a JSON schema of the subset the document uses. Objects with
// properties are closed unless additionalProperties says otherwise, so that an answer field
// missing from the document is reported.
func (s *oaSpec) check(schema any, v any, at string) []string {
	if b, ok := schema.(bool); ok {
		if !b {
			return []string{at + ": not allowed"}
		}
		return nil
	}
	m, _ := schema.(map[string]any)
	var errs []string
	if ref, ok := m["$ref"].(string); ok {
		target, found := s.pointer(ref)
		if !found {
			return []string{at + ": unresolved " + ref}
		}
		errs = append(errs, s.check(target, v, at)...)
	}
	if typ, ok := m["type"]; ok {
		var types []string
		switch typ := typ.(type) {
		case string:
			types = []string{typ}
		case []any:
			for _, x := range typ {
				types = append(types, x.(string))
			}
		}
		if !slices.ContainsFunc(types, func(want string) bool { return oaIsType(v, want) }) {
			return append(errs, fmt.Sprintf("%s: %s is not %s", at, oaShort(v), strings.Join(types, "|")))
		}
	}
	if enum, ok := m["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, v) }) {
		errs = append(errs, fmt.Sprintf("%s: %s is not one of %v", at, oaShort(v), enum))
	}
	for _, sub := range oaList(m["allOf"]) {
		errs = append(errs, s.check(sub, v, at)...)
	}
	if subs := oaList(m["anyOf"]); subs != nil && !slices.ContainsFunc(subs, func(sub any) bool { return len(s.check(sub, v, at)) == 0 }) {
		errs = append(errs, fmt.Sprintf("%s: %s matches none of anyOf", at, oaShort(v)))
	}
	if subs := oaList(m["oneOf"]); subs != nil {
		n := 0
		for _, sub := range subs {
			if len(s.check(sub, v, at)) == 0 {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Sprintf("%s: %s matches %d of oneOf", at, oaShort(v), n))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range oaList(m["required"]) {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required %q missing", at, r))
			}
		}
		props, hasProps := m["properties"].(map[string]any)
		for k, pv := range v {
			if ps, ok := props[k]; ok {
				errs = append(errs, s.check(ps, pv, at+"."+k)...)
			} else if ap, ok := m["additionalProperties"]; ok {
				errs = append(errs, s.check(ap, pv, at+"."+k)...)
			} else if hasProps {
				errs = append(errs, fmt.Sprintf("%s: property %q is not documented", at, k))
			}
		}
	case []any:
		if items, ok := m["items"]; ok {
			for i, x := range v {
				errs = append(errs, s.check(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
		if max, ok := m["maxItems"].(float64); ok && float64(len(v)) > max {
			errs = append(errs, fmt.Sprintf("%s: more than %v items", at, max))
		}
	case string:
		n := float64(utf8.RuneCountInString(v))
		if min, ok := m["minLength"].(float64); ok && n < min {
			errs = append(errs, fmt.Sprintf("%s: %q shorter than %v", at, v, min))
		}
		if max, ok := m["maxLength"].(float64); ok && n > max {
			errs = append(errs, fmt.Sprintf("%s: %q longer than %v", at, v, max))
		}
		if p, ok := m["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", at, v, p))
		}
		switch m["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, v); err != nil || !strings.HasSuffix(v, "Z") {
				errs = append(errs, fmt.Sprintf("%s: %q is not an RFC 3339 time in UTC", at, v))
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date", at, v))
			}
		}
		if m["contentEncoding"] == "base64" {
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: not base64", at))
			}
		}
	case float64:
		if min, ok := m["minimum"].(float64); ok && v < min {
			errs = append(errs, fmt.Sprintf("%s: %v below %v", at, v, min))
		}
		if max, ok := m["maximum"].(float64); ok && v > max {
			errs = append(errs, fmt.Sprintf("%s: %v above %v", at, v, max))
		}
	}
	return errs
}

func oaList(v any) []any { l, _ := v.([]any); return l }

func oaIsType(v any, want string) bool {
	switch v := v.(type) {
	case nil:
		return want == "null"
	case bool:
		return want == "boolean"
	case float64:
		return want == "number" || (want == "integer" && v == float64(int64(v)))
	case string:
		return want == "string"
	case []any:
		return want == "array"
	case map[string]any:
		return want == "object"
	}
	return false
}

func oaShort(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// oaClient sends requests to a real API and checks each request and answer against the
// operation the document gives for it.
type oaClient struct {
	t   *testing.T
	s   *oaSpec
	url string
	hit map[string]bool // operationIds exercised
}

// find returns the documented operation serving method and path (without query).
func (c *oaClient) find(method, path string) (oaOperation, bool) {
	segs := strings.Split(path, "/")
	for _, o := range c.s.operations() {
		tpl := strings.Split(o.path, "/")
		if o.method != method || len(tpl) != len(segs) {
			continue
		}
		match := true
		for i := range tpl {
			if tpl[i] != segs[i] && !(strings.HasPrefix(tpl[i], "{") && segs[i] != "") {
				match = false
				break
			}
		}
		if match {
			return o, true
		}
	}
	return oaOperation{}, false
}

type oaAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (a oaAnswer) num(key string) int64 {
	f, _ := a.body[key].(float64)
	return int64(f)
}

// do sends a request as token and checks it; want is the expected status.
func (c *oaClient) do(token string, want int, method, target string, body any, headers ...string) oaAnswer {
	c.t.Helper()
	path, query, _ := strings.Cut(target, "?")
	o, ok := c.find(method, path)
	if !ok {
		c.t.Fatalf("%s %s: no operation in openapi.json", method, path)
	}
	id, _ := o.op["operationId"].(string)
	c.hit[id] = true
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		if want < 400 {
			// A request the server accepts must be valid by the document too.
			var v any
			json.Unmarshal(raw, &v)
			rb := c.s.deref(o.op["requestBody"])
			media, _ := rb["content"].(map[string]any)["application/json"].(map[string]any)
			for _, e := range c.s.check(media["schema"], v, "request") {
				c.t.Errorf("%s %s: %s", method, o.path, e)
			}
		}
		rd = bytes.NewReader(raw)
	}
	if query != "" {
		c.checkQuery(o, query)
	}
	req, err := http.NewRequest(method, c.url+target, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := oaAnswer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, target, resp.StatusCode, want, raw)
	}
	responses, _ := o.op["responses"].(map[string]any)
	r, ok := responses[strconv.Itoa(resp.StatusCode)]
	if !ok {
		c.t.Errorf("%s %s (%s): status %d is not documented", method, o.path, id, resp.StatusCode)
		return a
	}
	doc := c.s.deref(r)
	hs, _ := doc["headers"].(map[string]any)
	for name, h := range hs {
		if c.s.deref(h)["required"] == true && resp.Header.Get(name) == "" {
			c.t.Errorf("%s %s: documented header %s missing", method, o.path, name)
		}
	}
	content, _ := doc["content"].(map[string]any)
	media, isJSON := content["application/json"].(map[string]any)
	switch {
	case len(content) == 0:
		if len(raw) != 0 {
			c.t.Errorf("%s %s: %d answer has a body the document does not describe", method, o.path, resp.StatusCode)
		}
	case isJSON:
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			c.t.Errorf("%s %s: Content-Type %q, want JSON", method, o.path, resp.Header.Get("Content-Type"))
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			c.t.Fatalf("%s %s: answer is not JSON: %s", method, o.path, raw)
		}
		for _, e := range c.s.check(media["schema"], v, "answer") {
			c.t.Errorf("%s %s (%d): %s", method, o.path, resp.StatusCode, e)
		}
		a.body, _ = v.(map[string]any)
	}
	return a
}

// checkQuery makes sure every query parameter sent is documented for the operation.
func (c *oaClient) checkQuery(o oaOperation, query string) {
	names := map[string]bool{}
	for _, p := range c.s.parameters(o) {
		if p["in"] == "query" {
			names[p["name"].(string)] = true
		}
	}
	for _, kv := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if !names[k] {
			c.t.Errorf("%s %s: query parameter %q is not documented", o.method, o.path, k)
		}
	}
}

// TestOpenAPIConformance drives the API through its main flows and checks every request
// and answer against the document: statuses, required headers, and bodies, where an
// undocumented answer field counts as an error.
func TestOpenAPIConformance(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var blobs blob.Store = blob.Files{Dir: t.TempDir()}
		if db.Dialect() == storage.Postgres {
			blobs = blob.Database{DB: db}
		}
		users := user.NewService(db, nil)
		customers := customer.NewService(db, nil)
		api := New(Options{
			DB: db, Users: users, Customers: customers,
			Tickets:      ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blobs}),
			Tags:         tag.NewService(db),
			CustomFields: customfield.NewService(db, nil),
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		api.Calendars, api.SLA = calendar.NewStore(db, nil), sla.NewService(db, nil)
		api.Tickets.OnChange(api.SLA.OnTicketChange)
		api.Routing = routing.NewService(db, api.Tickets, nil)
		api.Tickets.OnChange(api.Routing.OnTicketChange)
		api.Automation = automation.NewService(db, api.Tickets, nil)
		api.Tickets.OnChange(api.Automation.OnTicketChange)
		srv := httptest.NewServer(api)
		defer srv.Close()
		c := &oaClient{t: t, s: loadOASpec(t), url: srv.URL, hit: map[string]bool{}}

		team := func(name, kind string) int64 {
			tm, err := users.CreateTeam(ctx, auth.System(), user.TeamInput{Name: &name, Kind: &kind})
			if err != nil {
				t.Fatal(err)
			}
			return tm.ID
		}
		staff := func(email string, role auth.Role, teams ...int64) (int64, string) {
			u, err := users.Create(ctx, auth.System(), user.CreateInput{Email: email, Name: email[:strings.IndexByte(email, '@')], Role: role, Teams: teams})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := users.CreateToken(ctx, auth.System(), u.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			return u.ID, tok
		}
		presale, aftersale, finance := team("售前咨询组", "team"), team("售后一组", "team"), team("财务部", "department")
		_, admin := staff("admin@example.com", auth.RoleAdmin)
		agentID, agent := staff("li@example.com", auth.RoleAgent, presale)
		otherID, _ := staff("wang@example.com", auth.RoleAgent, aftersale)
		_, dept := staff("zhao@example.com", auth.RoleDepartment, finance)

		// Errors.
		c.do("", 401, "GET", "/api/v1/me", nil)
		c.do("kefu_not-a-real-token-at-all", 401, "GET", "/api/v1/tickets", nil)
		c.do(agent, 404, "GET", "/api/v1/tickets/999999", nil)
		c.do(agent, 400, "POST", "/api/v1/tickets", map[string]any{"subject": "x", "surprise": 1})
		c.do(agent, 400, "POST", "/api/v1/tickets", []byte(`{"subject":`))
		c.do(agent, 400, "GET", "/api/v1/tickets?limit=101", nil)
		c.do(dept, 403, "POST", "/api/v1/tickets", map[string]any{"subject": "x", "customer": map[string]any{"email": "a@example.com"}, "message": map[string]any{"body": "x"}})
		c.do(dept, 403, "GET", "/api/v1/customers", nil)

		// Staff and settings.
		c.do(agent, 200, "GET", "/api/v1/me", nil)
		c.do(agent, 200, "GET", "/api/v1/users", nil)
		newUser := c.do(admin, 201, "POST", "/api/v1/users", map[string]any{"email": "sun@example.com", "name": "孙", "role": "supervisor", "password": "long enough", "teams": []int64{aftersale}})
		uid := newUser.num("id")
		c.do(admin, 200, "GET", fmt.Sprintf("/api/v1/users/%d", uid), nil)
		c.do(admin, 200, "PATCH", fmt.Sprintf("/api/v1/users/%d", uid), map[string]any{"locale": "en", "time_zone": "Europe/Berlin"})
		c.do(agent, 403, "PATCH", fmt.Sprintf("/api/v1/users/%d", uid), map[string]any{"name": "x"})
		c.do(agent, 201, "POST", fmt.Sprintf("/api/v1/users/%d/tokens", agentID), map[string]any{"name": "crm"})
		c.do(agent, 200, "GET", "/api/v1/teams", nil)
		vip := c.do(admin, 201, "POST", "/api/v1/teams", map[string]any{"name": "VIP 服务组", "kind": "team"}).num("id")
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/teams/%d", vip), nil)
		c.do(admin, 200, "PATCH", fmt.Sprintf("/api/v1/teams/%d", vip), map[string]any{"description": "大客户"})
		c.do(admin, 204, "PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", vip, uid), nil)
		c.do(admin, 204, "DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", vip, uid), nil)
		c.do(agent, 403, "PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", vip, uid), nil)
		c.do(agent, 201, "POST", "/api/v1/tags", map[string]any{"name": "退款"})
		c.do(agent, 200, "GET", "/api/v1/tags", nil)
		c.do(admin, 201, "POST", "/api/v1/custom-fields", map[string]any{"entity": "ticket", "key": "order_no", "type": "text", "label_zh": "订单号", "label_en": "Order number"})
		c.do(admin, 201, "POST", "/api/v1/custom-fields", map[string]any{"entity": "customer", "key": "region", "type": "select", "label_zh": "地区", "options": []string{"华东", "华北"}})
		c.do(agent, 200, "GET", "/api/v1/custom-fields?entity=ticket", nil)
		fields := c.do(agent, 200, "GET", "/api/v1/custom-fields?entity=customer", nil).body["items"].([]any)
		region := fmt.Sprintf("/api/v1/custom-fields/%v", fields[0].(map[string]any)["id"])
		c.do(admin, 200, "PATCH", region, map[string]any{"label_en": "Region", "options": []string{"华东", "华北", "华南"}, "position": 2})
		c.do(admin, 400, "PATCH", region, map[string]any{"label_zh": ""})
		c.do(agent, 403, "PATCH", region, map[string]any{"label_en": "Area"})
		c.do(admin, 404, "PATCH", "/api/v1/custom-fields/999999", map[string]any{"label_en": "x"})

		// A ticket with a new customer, retried with the same Idempotency-Key.
		create := map[string]any{
			"subject": "空调不制冷", "type": "aftersale", "subtype": "repair", "priority": "high", "channel": "email",
			"customer":      map[string]any{"email": "Zhang.Wei@Example.com", "name": "张伟"},
			"tags":          []string{"退款"},
			"custom_fields": map[string]any{"order_no": "JD-1001"},
			"message": map[string]any{"body": "空调不制冷了", "attachments": []map[string]any{
				{"filename": "photo.jpg", "content_type": "image/jpeg", "data": base64.StdEncoding.EncodeToString([]byte("jpeg"))},
			}},
		}
		first := c.do(agent, 201, "POST", "/api/v1/tickets", create, "Idempotency-Key", "order-1001")
		n := first.num("number")
		if again := c.do(agent, 201, "POST", "/api/v1/tickets", create, "Idempotency-Key", "order-1001"); again.num("number") != n {
			t.Errorf("retry made ticket %d, want %d", again.num("number"), n)
		}
		tk := fmt.Sprintf("/api/v1/tickets/%d", n)
		got := c.do(agent, 200, "GET", tk, nil)
		etag := got.header.Get("ETag")
		c.do(agent, 200, "PATCH", tk, map[string]any{"priority": "urgent", "department_id": finance}, "If-Match", etag)
		c.do(agent, 409, "PATCH", tk, map[string]any{"priority": "low"}, "If-Match", etag)
		reply := map[string]any{"body": "您好，我们马上安排师傅上门。", "status": "pending_customer"}
		m1 := c.do(agent, 201, "POST", tk+"/messages", reply, "Idempotency-Key", "reply-1")
		if m2 := c.do(agent, 201, "POST", tk+"/messages", reply, "Idempotency-Key", "reply-1"); m2.num("id") != m1.num("id") {
			t.Error("a retried reply was stored twice")
		}
		c.do(agent, 201, "POST", tk+"/messages", map[string]any{"kind": "note", "body_html": "<p>客户<b>很着急</b></p>"})
		c.do(dept, 403, "POST", tk+"/messages", map[string]any{"body": "x"})
		msgs := c.do(agent, 200, "GET", tk+"/messages?limit=10", nil)
		items, _ := msgs.body["items"].([]any)
		if len(items) == 0 {
			t.Fatal("no messages")
		}
		atts, _ := items[0].(map[string]any)["attachments"].([]any)
		if len(atts) != 1 {
			t.Fatalf("first message has %d attachments", len(atts))
		}
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/attachments/%v", atts[0].(map[string]any)["id"]), nil)

		// Transfer keeps the owner; a transfer to the same place is refused.
		tr := c.do(agent, 200, "POST", tk+"/transfer", map[string]any{"team_id": aftersale, "assignee_id": otherID, "reason": "需要售后处理"})
		if owner, _ := tr.body["owner"].(map[string]any); owner == nil || int64(owner["id"].(float64)) != agentID {
			t.Errorf("owner after transfer = %v, want user %d", tr.body["owner"], agentID)
		}
		c.do(admin, 422, "POST", tk+"/transfer", map[string]any{"team_id": aftersale, "assignee_id": otherID, "reason": "again"})
		c.do(agent, 400, "POST", tk+"/transfer", map[string]any{"team_id": aftersale})

		// Merge a second ticket of the same customer into the first, then split one off.
		second := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{
			"subject": "还是不制冷", "customer": map[string]any{"email": "zhang.wei@example.com"},
			"custom_fields": map[string]any{"order_no": "JD-1001"}, "message": map[string]any{"body": "还是不行"},
		}).num("number")
		c.do(admin, 200, "POST", fmt.Sprintf("/api/v1/tickets/%d/merge", second), map[string]any{"into": n})
		c.do(admin, 422, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", second), map[string]any{"body": "x"})
		if merged := c.do(admin, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d", second), nil); merged.num("merged_into") != n || merged.body["status"] != "closed" {
			t.Errorf("merged ticket: status %v, merged_into %v", merged.body["status"], merged.body["merged_into"])
		}
		c.do(admin, 413, "POST", fmt.Sprintf("/api/v1/tickets/%d/merge", second), map[string]any{"into": strings.Repeat("9", 5000)})
		split := c.do(admin, 201, "POST", tk+"/split", map[string]any{"message_id": m1.num("id"), "subject": "上门时间"}).num("number")
		c.do(admin, 200, "POST", tk+"/links", map[string]any{"number": split})
		c.do(admin, 204, "DELETE", fmt.Sprintf("%s/links/%d", tk, split), nil)
		c.do(admin, 200, "GET", tk, nil)
		c.do(admin, 200, "GET", tk+"/events?after=0&limit=100", nil)

		// Lists with filters and cursors.
		page := c.do(admin, 200, "GET", "/api/v1/tickets?limit=1&sort=created&order=asc", nil)
		if cur, _ := page.body["next_cursor"].(string); cur == "" {
			t.Error("no next_cursor on a full page")
		} else {
			c.do(admin, 200, "GET", "/api/v1/tickets?limit=1&sort=created&order=asc&cursor="+cur, nil)
		}
		c.do(admin, 200, "GET", "/api/v1/tickets?q="+url.QueryEscape("退款 发货")+"&rank=relevance&limit=5", nil)
		c.do(admin, 200, "GET", "/api/v1/tickets?q=order", nil)
		c.do(agent, 400, "GET", "/api/v1/tickets?q="+url.QueryEscape("AND AND"), nil)
		c.do(admin, 200, "GET", "/api/v1/search?q="+url.QueryEscape("张伟"), nil)
		c.do(agent, 400, "GET", "/api/v1/search?q=", nil)
		c.do(agent, 200, "GET", "/api/v1/tickets?status=new,open,pending_customer&owner=me&assignee=none&team=none&priority=urgent&type=aftersale&channel=email&tag="+url.QueryEscape("退款")+"&created_after=2020-01-01&updated_before=2100-01-01T00:00:00Z", nil)

		// Customers.
		cust := first.body["customer"].(map[string]any)["id"]
		cu := fmt.Sprintf("/api/v1/customers/%v", cust)
		c.do(agent, 200, "GET", "/api/v1/customers?q=zhang.wei@example.com&tier=ordinary&stage=current&limit=10", nil)
		cg := c.do(agent, 200, "GET", cu, nil)
		c.do(agent, 200, "PATCH", cu, map[string]any{"tier": "vip", "phones": []string{"138 1234 5678"}, "custom_fields": map[string]any{"region": "华东"}}, "If-Match", cg.header.Get("ETag"))
		c.do(agent, 409, "PATCH", cu, map[string]any{"tier": "key"}, "If-Match", cg.header.Get("ETag"))
		c.do(agent, 200, "GET", cu+"/tickets?status=closed", nil)
		c.do(agent, 200, "GET", cu+"/events?after=0", nil)
		c.do(admin, 200, "GET", cu+"/views?limit=10", nil)
		c.do(agent, 403, "GET", cu+"/views", nil)
		c.do(agent, 201, "POST", "/api/v1/customers", map[string]any{"name": "李娜", "organization": "某某科技", "emails": []string{"li.na@example.com"}, "tags": []string{"VIP"}})

		// Email: mailboxes and the two mail queues.
		sealer, _ := mail.NewSealer("conformance test secret key")
		api.Mail = mail.NewService(mail.Options{DB: db, Tickets: api.Tickets, Blobs: blobs, Sealer: sealer, Logger: api.Logger})
		mb := c.do(admin, 201, "POST", "/api/v1/mailboxes", map[string]any{"name": "售后邮箱", "address": "support@example.com", "team_id": aftersale,
			"imap_host": "imap.example.com", "imap_user": "support", "imap_password": "secret", "smtp_host": "smtp.example.com", "auto_reply": "已收到，工单号 {number}"})
		mbu := fmt.Sprintf("/api/v1/mailboxes/%d", mb.num("id"))
		c.do(admin, 200, "GET", "/api/v1/mailboxes", nil)
		c.do(agent, 403, "GET", "/api/v1/mailboxes", nil)
		c.do(admin, 200, "GET", mbu, nil)
		c.do(admin, 200, "PATCH", mbu, map[string]any{"smtp_password": "", "signature": "售后服务部", "active": false})
		c.do(admin, 400, "POST", "/api/v1/mailboxes", map[string]any{"name": "坏", "address": "not-an-address", "imap_host": "h", "imap_user": "u", "imap_tls": "ssl"})
		c.do(admin, 409, "POST", "/api/v1/mailboxes", map[string]any{"name": "售后邮箱", "address": "support@example.com", "imap_host": "h", "imap_user": "u"})
		c.do(admin, 200, "GET", "/api/v1/mail/inbound?state=failed&limit=10", nil)
		c.do(admin, 400, "GET", "/api/v1/mail/inbound?state=lost", nil)
		c.do(admin, 404, "POST", "/api/v1/mail/inbound/999999/reprocess", nil)
		c.do(admin, 200, "GET", "/api/v1/mail/outbox?state=failed", nil)
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/mail/outbox?ticket=%d", n), nil)
		c.do(agent, 404, "GET", "/api/v1/mail/outbox?ticket=999999", nil)
		c.do(admin, 404, "POST", "/api/v1/mail/outbox/999999/retry", nil)

		// Business calendars and service levels.
		week := [][]string{{}, {"09:00-12:00", "13:30-18:00"}, {"09:00-18:00"}, {"09:00-18:00"}, {"09:00-18:00"}, {"09:00-18:00"}, {}}
		cal := c.do(admin, 201, "POST", "/api/v1/calendars", map[string]any{"name": "售后热线", "time_zone": "Asia/Shanghai", "week": week,
			"days": []map[string]any{{"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}, {"date": "2026-10-10", "kind": "workday", "name": "国庆节调休上班"}}})
		calu := fmt.Sprintf("/api/v1/calendars/%d", cal.num("id"))
		c.do(admin, 200, "GET", "/api/v1/calendars", nil)
		c.do(agent, 403, "GET", "/api/v1/calendars", nil)
		c.do(admin, 200, "GET", calu, nil)
		c.do(admin, 200, "PUT", calu, map[string]any{"name": "售后热线", "week": week, "workday_hours": []string{"09:00-17:00"}, "version": cal.num("version")})
		c.do(admin, 400, "POST", "/api/v1/calendars", map[string]any{"name": "", "week": week})
		c.do(admin, 200, "POST", calu+"/import?kind=holiday", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:元旦\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
		c.do(admin, 400, "POST", calu+"/import", []byte("BEGIN:VEVENT\r\n"))
		pol := c.do(admin, 201, "POST", "/api/v1/sla-policies", map[string]any{"name": "VIP 投诉", "conditions": map[string]any{"tiers": []string{"vip"}, "types": []string{"complaint"}},
			"calendar_id": cal.num("id"), "first_response_minutes": 30, "resolution_minutes": 450, "warn_percent": 80})
		polu := fmt.Sprintf("/api/v1/sla-policies/%d", pol.num("id"))
		c.do(admin, 200, "GET", "/api/v1/sla-policies", nil)
		c.do(agent, 403, "GET", "/api/v1/sla-policies", nil)
		c.do(admin, 200, "GET", polu, nil)
		c.do(admin, 200, "PUT", polu, map[string]any{"name": "VIP 投诉", "conditions": map[string]any{"tiers": []string{"vip"}}, "calendar_id": cal.num("id"),
			"first_response_minutes": 30, "next_response_minutes": 60, "resolution_minutes": 450, "pause_on_department": true, "version": pol.num("version")})
		c.do(admin, 400, "POST", "/api/v1/sla-policies", map[string]any{"name": "空", "calendar_id": cal.num("id")})
		c.do(admin, 409, "DELETE", calu, nil)
		timed := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{"subject": "投诉：维修太慢", "type": "complaint",
			"customer": map[string]any{"id": cust}, "message": map[string]any{"body": "师傅一直没来"}}).num("number")
		if st := c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/sla", timed), nil).body["sla"]; st == nil {
			t.Error("a VIP complaint has no SLA clock")
		}
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/sla", split), nil)
		c.do(agent, 404, "GET", "/api/v1/tickets/999999/sla", nil)
		c.do(admin, 409, "DELETE", polu, nil)
		spare := c.do(admin, 201, "POST", "/api/v1/sla-policies", map[string]any{"name": "备用", "calendar_id": 2, "resolution_minutes": 60, "active": false})
		c.do(admin, 204, "DELETE", fmt.Sprintf("/api/v1/sla-policies/%d", spare.num("id")), nil)
		spareCal := c.do(admin, 201, "POST", "/api/v1/calendars", map[string]any{"name": "临时", "week": week})
		c.do(admin, 204, "DELETE", fmt.Sprintf("/api/v1/calendars/%d", spareCal.num("id")), nil)

		// Routing: the agent goes online in a round-robin team and gets its next ticket.
		rt := fmt.Sprintf("/api/v1/teams/%d/routing", presale)
		c.do(agent, 200, "GET", rt, nil)
		c.do(agent, 403, "PATCH", rt, map[string]any{"method": "round_robin"})
		c.do(admin, 200, "PATCH", rt, map[string]any{"method": "round_robin", "tier_teams": map[string]any{"key": vip}, "follow_owner": true})
		c.do(admin, 400, "PATCH", rt, map[string]any{"method": "lottery"})
		c.do(admin, 404, "GET", "/api/v1/teams/999999/routing", nil)
		ar := fmt.Sprintf("/api/v1/users/%d/routing", agentID)
		c.do(agent, 200, "PATCH", ar, map[string]any{"availability": "online"})
		c.do(agent, 403, "PATCH", ar, map[string]any{"max_open": 50})
		c.do(admin, 200, "PATCH", ar, map[string]any{"max_open": 20, "skills": []string{"lang:en", "type:presale"}})
		c.do(admin, 400, "PATCH", ar, map[string]any{"availability": "busy"})
		c.do(agent, 200, "GET", ar, nil)
		routed := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{"subject": "想了解新款空调", "type": "presale", "team_id": presale,
			"customer": map[string]any{"email": "new.buyer@example.com"}, "message": map[string]any{"body": "有货吗"}})
		if a, _ := routed.body["assignee"].(map[string]any); a == nil || int64(a["id"].(float64)) != agentID {
			t.Errorf("routed ticket's assignee = %v, want the online agent %d", routed.body["assignee"], agentID)
		}

		// Automation: tag presale tickets on arrival; the log shows it.
		ruleIn := map[string]any{"name": "售前打标", "event": "created", "conditions": map[string]any{"types": []string{"presale"}},
			"actions": []map[string]any{{"type": "add_tags", "tags": []string{"售前"}}, {"type": "note", "body": "已自动打标"}}}
		rule := c.do(admin, 201, "POST", "/api/v1/automation/rules", ruleIn)
		ru := fmt.Sprintf("/api/v1/automation/rules/%d", rule.num("id"))
		c.do(admin, 200, "GET", "/api/v1/automation/rules", nil)
		c.do(agent, 403, "GET", "/api/v1/automation/rules", nil)
		c.do(admin, 200, "GET", ru, nil)
		ruleIn["version"] = rule.num("version")
		c.do(admin, 200, "PUT", ru, ruleIn)
		c.do(admin, 400, "POST", "/api/v1/automation/rules", map[string]any{"name": "坏", "event": "sometimes", "actions": []map[string]any{{"type": "note", "body": "x"}}})
		c.do(admin, 200, "POST", "/api/v1/automation/dry-run", ruleIn)
		tagged := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{"subject": "批量采购报价", "type": "presale",
			"customer": map[string]any{"email": "buyer2@example.com"}, "message": map[string]any{"body": "要 50 台"}}).num("number")
		runs := c.do(admin, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/automation-runs", tagged), nil)
		if items, _ := runs.body["items"].([]any); len(items) != 1 {
			t.Errorf("automation log has %d runs, want 1", len(items))
		}
		c.do(admin, 404, "GET", "/api/v1/tickets/999999/automation-runs", nil)
		c.do(admin, 204, "DELETE", ru, nil)
		c.do(admin, 404, "GET", ru, nil)

		// The event stream's refusals; an open stream never ends, so stream_test.go checks it.
		c.do(agent, 400, "GET", "/api/v1/events/stream?topics=everything", nil)
		c.do(agent, 404, "GET", "/api/v1/events/stream?topics=ticket:999999", nil)
		c.do(dept, 403, "GET", "/api/v1/events/stream?topics=inbox", nil)

		// Chat (chats_test.go has the rules): a visitor's chat waits, is accepted, typed in, closed, rated.
		api.Ratings = rating.NewService(db, api.Tickets, nil)
		api.Chat = chat.NewService(chat.Options{DB: db, Tickets: api.Tickets, Customers: customers, Ratings: api.Ratings})
		if err := oaChat(c, api.Chat, agent, dept, admin, presale); err != nil {
			t.Fatal(err)
		}

		var missed []string
		for _, o := range c.s.operations() {
			id := o.op["operationId"].(string)
			if !c.hit[id] && !slices.Contains(oaExtraRoutes, o.method+" "+o.path) {
				missed = append(missed, id)
			}
		}
		if len(missed) > 0 {
			t.Errorf("operations not exercised by this test (add them to keep the document checked): %v", missed)
		}
	})
}
