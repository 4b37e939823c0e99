package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

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
