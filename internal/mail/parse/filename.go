package parse

import (
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// extensions is a fixed table rather than mime.ExtensionsByType, whose answer
// depends on the host's /etc/mime.types.
var extensions = map[string]string{
	"application/pdf":               ".pdf",
	"application/zip":               ".zip",
	"application/x-zip-compressed":  ".zip",
	"application/gzip":              ".gz",
	"application/x-rar-compressed":  ".rar",
	"application/vnd.rar":           ".rar",
	"application/x-7z-compressed":   ".7z",
	"application/json":              ".json",
	"application/xml":               ".xml",
	"application/msword":            ".doc",
	"application/vnd.ms-excel":      ".xls",
	"application/vnd.ms-powerpoint": ".ppt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/pgp-signature":        ".asc",
	"application/pkcs7-signature":      ".p7s",
	"application/x-pkcs7-signature":    ".p7s",
	"application/ics":                  ".ics",
	"application/octet-stream":         ".bin",
	"image/png":                        ".png",
	"image/jpeg":                       ".jpg",
	"image/jpg":                        ".jpg",
	"image/gif":                        ".gif",
	"image/webp":                       ".webp",
	"image/bmp":                        ".bmp",
	"image/svg+xml":                    ".svg",
	"image/tiff":                       ".tif",
	"audio/mpeg":                       ".mp3",
	"audio/amr":                        ".amr",
	"video/mp4":                        ".mp4",
	"text/plain":                       ".txt",
	"text/html":                        ".html",
	"text/csv":                         ".csv",
	"text/calendar":                    ".ics",
	"text/rfc822-headers":              ".txt",
	"text/x-vcard":                     ".vcf",
	"text/vcard":                       ".vcf",
	"message/rfc822":                   ".eml",
	"message/global":                   ".eml",
	"message/delivery-status":          ".txt",
	"message/disposition-notification": ".txt",
}

const maxFilenameBytes = 200

// safeFilename makes a sender-chosen name safe to store and offer for
// download: no directories, no control or reserved characters, bounded
// length, never empty.
func safeFilename(name, contentType string, n int) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), r == '\u202e', r == '\u202d':
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(strings.TrimSpace(b.String()), ".")
	name = strings.TrimSpace(name)
	if name == "" || name == "/" {
		return "attachment-" + strconv.Itoa(n) + extensions[contentType]
	}
	if len(name) > maxFilenameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		stem := name[:maxFilenameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}
