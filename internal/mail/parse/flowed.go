package parse

import "strings"

// unflow joins the soft line breaks of a format=flowed text (RFC 3676), as
// Apple Mail and Thunderbird send it, so paragraphs reach the ticket as
// paragraphs. Lines only join with lines of the same quote depth; the
// signature separator "-- " never joins.
func unflow(text string, delSp bool) string {
	lines := strings.Split(text, "\n")
	var out []string
	var cur strings.Builder
	curDepth, open := 0, false
	flush := func() {
		if open {
			out = append(out, cur.String())
			cur.Reset()
			open = false
		}
	}
	for _, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := line[depth:]
		content = strings.TrimPrefix(content, " ") // space-stuffing
		if open && depth != curDepth {
			flush()
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delSp {
			content = content[:len(content)-1]
		}
		if !open {
			if depth > 0 {
				cur.WriteString(strings.Repeat(">", depth) + " ")
			}
			curDepth, open = depth, true
		}
		cur.WriteString(content)
		if !soft {
			flush()
		}
	}
	flush()
	return strings.Join(out, "\n")
}
