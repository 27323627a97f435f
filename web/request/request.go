// Package request reads what clients send: JSON bodies, forms and times,
// all strictly, so that what the server acts on is exactly what a client,
// a proxy or a log in between saw. What cannot be read is an error that
// package render answers with the right status.
package request

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// JSON reads a JSON body, as long as the body limit allows, into v, a
// pointer to a request struct whose fields all have json tags. It is
// stricter than encoding/json, which matches names regardless of case and
// keeps the last of repeated names: each member must be one of v's fields,
// spelt exactly, and appear once. Otherwise the answer is a 400 whose
// errors name the members.
func JSON(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &render.HTTPError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
				Detail: "send the body as application/json"}
		}
	}
	data, err := io.ReadAll(c.Request.Body) // limited by middleware.LimitBody
	if err != nil {
		return bodyError(err)
	}
	problems, err := checkMembers(data, fieldNames(v))
	if err == nil && len(problems) > 0 {
		names := make([]string, len(problems))
		for i, p := range problems {
			names[i] = p.Field
		}
		return &render.HTTPError{Status: http.StatusBadRequest, Code: "malformed",
			Detail: "the body has unknown or repeated fields: " + strings.Join(names, ", "), Fields: problems}
	}
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return &render.HTTPError{Status: http.StatusBadRequest, Code: "malformed", Detail: "the body is empty; send a JSON object"}
	case errors.Is(err, errNotObject):
		return &render.HTTPError{Status: http.StatusBadRequest, Code: "malformed", Detail: "the body must be a JSON object"}
	case errors.As(err, &typeErr):
		return render.InvalidFields(render.FieldProblem{Field: typeErr.Field, Detail: "must be a " + typeErr.Type.String()})
	}
	return &render.HTTPError{Status: http.StatusBadRequest, Code: "malformed", Detail: "the body is not valid JSON: " + err.Error()}
}

var (
	errNotObject = errors.New("not a JSON object")
	errTrailing  = errors.New("the body holds more than one JSON value")
)

// checkMembers reads data, which must be one JSON object, and lists the
// members whose names are not among names, spelt exactly, or that appear
// more than once. Member values are only checked to be JSON.
func checkMembers(data []byte, names map[string]bool) ([]render.FieldProblem, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errNotObject
	}
	var problems []render.FieldProblem
	seen := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string) // the decoder returns member names as strings
		seen[name]++
		switch {
		case !names[name] && seen[name] == 1:
			problems = append(problems, render.FieldProblem{Field: name, Detail: unknownField(name, names)})
		case names[name] && seen[name] == 2:
			problems = append(problems, render.FieldProblem{Field: name, Detail: "appears more than once"})
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailing
	}
	return problems, nil
}

// unknownField says what is wrong with a member that is not a field,
// pointing to the field it differs from only in case.
func unknownField(name string, names map[string]bool) string {
	for known := range names {
		if strings.EqualFold(known, name) {
			return fmt.Sprintf("is not a field of this request; names are case-sensitive: did you mean %q?", known)
		}
	}
	return "is not a field of this request"
}

// fieldNames lists the JSON names of the fields of the struct v points to.
func fieldNames(v any) map[string]bool {
	t := reflect.TypeOf(v).Elem()
	names := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// Form reads a posted form, keeping at most maxMemory bytes of a multipart
// one in memory. net/http and Gin read a form lazily and treat a body they
// could not read as an empty form; reading it here lets a form too large
// or too slow be answered as such.
func Form(c *gin.Context, maxMemory int64) error {
	if err := c.Request.ParseForm(); err != nil {
		return bodyError(err)
	}
	if err := c.Request.ParseMultipartForm(maxMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return bodyError(err)
	}
	return nil
}

// bodyError says why a request body could not be read, in words fit for
// the client: the error itself names the server's address.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &render.HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Detail: fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit)}
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The server's ReadTimeout ended before the body did.
		return &render.HTTPError{Status: http.StatusRequestTimeout, Code: "request_timeout",
			Detail: "the body arrived too slowly; send the request again"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: read the body: %w", render.ErrClientGone, err)
	}
	return &render.HTTPError{Status: http.StatusBadRequest, Code: "malformed", Detail: "the body could not be read"}
}

// rfc3339 is the date-time of RFC 3339 section 5.6, which time.Parse is
// more lenient than: it also takes a comma before the fraction and offsets
// such as +24:00 or +01:60.
var rfc3339 = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$`)

// Instant parses v, the value of field, as an RFC 3339 time with an offset
// and a whole minute, as slots start on whole minutes. An empty value is
// the zero time, which the scheduler reports as missing along with any
// other missing field.
func Instant(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	wrong := func(msg string) (time.Time, error) {
		return time.Time{}, render.InvalidFields(render.FieldProblem{Field: field, Detail: msg})
	}
	notRFC3339 := fmt.Sprintf("%q is not an RFC 3339 time such as 2026-12-07T09:00:00+01:00", v)
	m := rfc3339.FindStringSubmatch(v)
	if m == nil || m[5] > "23" || m[6] > "59" {
		return wrong(notRFC3339)
	}
	if m[3] != "00" || strings.Trim(m[4], ".0") != "" {
		return wrong("seconds must be 0: appointments start on whole minutes, such as 2026-12-07T09:00:00+01:00")
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(v)) // the ranges of the date and time
	if err != nil {
		return wrong(notRFC3339)
	}
	return t, nil
}
