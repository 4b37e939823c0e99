package widget

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/ticket"
)

// uploadTypes are the files a visitor may send, by extension, with the content types a
// browser gives them. Images must also look like images.
var uploadTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv", ".zip": "application/zip",
	".doc": "application/msword", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt": "application/vnd.ms-powerpoint", ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

func (h *Handler) cors(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	hd.Set("Access-Control-Allow-Headers", "Content-Type, Accept-Language")
	hd.Set("Access-Control-Max-Age", "600")
}

func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	h.cors(w)
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (h *Handler) failHTTP(w http.ResponseWriter, r *http.Request, err error, cid string) {
	lang := i18n.Match(r.Header.Get("Accept-Language"))
	if l := r.FormValue("lang"); l != "" {
		lang = i18n.Match(l)
	}
	status := http.StatusInternalServerError
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = apperr.Invalid("file", "too_large", map[string]any{"max": humanSize(h.uploadLimit())})
	}
	if e, ok := apperr.As(err); ok {
		switch e.Kind {
		case apperr.KindNotFound:
			status = http.StatusNotFound
		case apperr.KindInvalid:
			status = http.StatusUnprocessableEntity
			if e.Code == "rate_limited" {
				status = http.StatusTooManyRequests
			}
		case apperr.KindConflict:
			status = http.StatusConflict
		case apperr.KindForbidden:
			status = http.StatusForbidden
		}
	} else {
		h.logger.ErrorContext(r.Context(), "widget upload", "err", err)
	}
	h.writeJSON(w, status, errFrame(lang, err, cid))
}

func (h *Handler) uploadLimit() int64 {
	limit := h.limits.UploadBytes
	if max := int64(h.chat.Tickets().Limits().AttachmentBytes); max < limit {
		limit = max
	}
	return limit
}

func humanSize(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n>>10, 10) + " KB"
}

// upload stores a visitor's file as a message on their chat: multipart token, cid, file and
// an optional body; the answer is the message's ack.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	h.cors(w)
	limit := h.uploadLimit()
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	if !h.allow("upload", h.limits.Upload, clientIP(r)) {
		h.failHTTP(w, r, errRateLimited, "")
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		h.failHTTP(w, r, err, "")
		return
	}
	defer r.MultipartForm.RemoveAll()
	cid := r.FormValue("cid")
	v, err := h.chat.VisitorByToken(r.Context(), r.FormValue("token"))
	if err != nil || r.FormValue("token") == "" {
		h.failHTTP(w, r, apperr.NotFound("chat"), cid)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		h.failHTTP(w, r, apperr.Invalid("file", "required", nil), cid)
		return
	}
	defer file.Close()
	if hdr.Size > limit {
		h.failHTTP(w, r, apperr.Invalid("file", "too_large", map[string]any{"max": humanSize(limit)}), cid)
		return
	}
	data, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		h.failHTTP(w, r, err, cid)
		return
	}
	if int64(len(data)) > limit {
		h.failHTTP(w, r, apperr.Invalid("file", "too_large", map[string]any{"max": humanSize(limit)}), cid)
		return
	}
	name := filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
	ext := strings.ToLower(filepath.Ext(name))
	ctype, ok := uploadTypes[ext]
	sniffed := http.DetectContentType(data)
	if ok && strings.HasPrefix(ctype, "image/") && !strings.HasPrefix(sniffed, "image/") {
		ok = false
	}
	if !ok || len(data) == 0 {
		h.failHTTP(w, r, apperr.Invalid("file", "upload_type", map[string]any{"types": "png, jpg, gif, webp, pdf, txt, csv, zip, doc(x), xls(x), ppt(x)"}), cid)
		return
	}
	ack, err := h.chat.Send(r.Context(), v, chat.MessageInput{CID: cid, Body: r.FormValue("body"),
		Attachments: []ticket.AttachmentInput{{Filename: name, ContentType: ctype, Data: data}}})
	if err != nil {
		h.failHTTP(w, r, err, cid)
		return
	}
	h.writeJSON(w, http.StatusOK, map[string]any{"type": "ack", "cid": ack.CID, "seq": ack.Seq, "number": ack.Number})
}

// file sends an attachment of the visitor's chat. Only images are shown inline; everything
// else downloads, and nothing is sniffed or run.
func (h *Handler) file(w http.ResponseWriter, r *http.Request) {
	h.cors(w)
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	token := r.URL.Query().Get("token")
	v, err := h.chat.VisitorByToken(r.Context(), token)
	if err != nil || token == "" || id <= 0 {
		h.failHTTP(w, r, apperr.NotFound("attachment"), "")
		return
	}
	at, data, err := h.chat.File(r.Context(), v, id)
	if err != nil {
		h.failHTTP(w, r, err, "")
		return
	}
	hd := w.Header()
	ctype := "application/octet-stream"
	disp := "attachment"
	switch at.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		ctype, disp = at.ContentType, "inline"
	}
	hd.Set("Content-Type", ctype)
	hd.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": at.Filename}))
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "private, max-age=3600")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}
