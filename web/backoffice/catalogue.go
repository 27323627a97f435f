package backoffice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// Admins change the catalogue of centers and services here, through the
// pages under /staff/catalogue or the API's /api/v1/staff/catalogue. Each
// change is the whole catalogue as the YAML file holds it, checked with the
// file's own checks and messages (booking/catalogue), made from a numbered
// version and applied as the next one, which every server process uses at
// once. A change made from a version that is no longer the latest is
// refused; one that would leave future bookings outside the hours or
// without their service lists them and applies only when told to cancel
// them, each newcomer emailed the reason, as a closure does.

// CatalogueEditor is what the catalogue's pages and API need of
// booking.Scheduler.
type CatalogueEditor interface {
	StoredCatalogue(ctx context.Context, n int) (booking.CatalogueVersion, error)
	CatalogueVersions(ctx context.Context, limit int) ([]booking.CatalogueVersion, error)
	ChangeCatalogue(ctx context.Context, ch booking.CatalogueChange) (booking.CatalogueVersion, []booking.Booking, error)
}

// catalogueDocument is the catalogue as the API shows it: the fields of
// the YAML file and the number of its version.
type catalogueDocument struct {
	Version int `json:"version"`
	catalogue.File
	// Cancelled lists the references of the bookings a change cancelled;
	// only a change's answer has it.
	Cancelled []string `json:"cancelled,omitempty"`
}

// catalogueRequest is a change of the catalogue as the API takes it: the
// whole catalogue. A version sent is ignored: If-Match names the version
// the change is made from.
type catalogueRequest struct {
	Version  *int                `json:"version"`
	TimeZone string              `json:"time_zone"`
	Centers  []catalogue.Center  `json:"centers"`
	Services []catalogue.Service `json:"services"`
}

// entryProblem is one thing wrong with a change of the catalogue, named as
// the catalogue loader names it: the entry (center "aarhus"; "" for the
// top level), the field (hours.mon) and what is wrong.
type entryProblem struct {
	Entry  string `json:"entry"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// String writes the problem as the loader does, without a file name.
func (p entryProblem) String() string {
	parts := []string{p.Field, p.Detail}
	if p.Entry != "" {
		parts = append([]string{p.Entry}, parts...)
	}
	return strings.Join(parts, ": ")
}

// strandedBooking is a booking a change would strand, as the API lists it.
type strandedBooking struct {
	Reference string   `json:"reference"`
	Center    string   `json:"center"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Services  []string `json:"services"`
	Name      string   `json:"name"`
	// Why is center, service, interpreter or hours; Subject names the
	// service or the language.
	Why     string `json:"why"`
	Subject string `json:"subject,omitempty"`
}

// catalogueProblem is the problem document of a refused change: a
// render.Problem whose errors name entries, with the stranded bookings.
type catalogueProblem struct {
	render.Problem
	Errors   []entryProblem    `json:"errors,omitempty"`
	Stranded []strandedBooking `json:"stranded,omitempty"`
}

// catalogueBody names a catalogue sent to the server in messages, as a
// path names a file.
const catalogueBody = "catalogue"

// versionTag is the ETag of version n.
func versionTag(n int) string { return `"` + strconv.Itoa(n) + `"` }

// storedFile returns version n of the catalogue (the latest for 0) as
// written.
func (h *Handler) storedFile(ctx context.Context, n int) (booking.CatalogueVersion, catalogue.File, error) {
	v, err := h.scheduler.StoredCatalogue(ctx, n)
	if err != nil {
		return booking.CatalogueVersion{}, catalogue.File{}, err
	}
	f, err := catalogue.Decode(catalogue.VersionName(v.Number), v.Document)
	if err != nil {
		return booking.CatalogueVersion{}, catalogue.File{}, fmt.Errorf("read %s: %w", catalogue.VersionName(v.Number), err)
	}
	return v, f, nil
}

// catalogueEdit is a change of the catalogue an admin asks for.
type catalogueEdit struct {
	base int // the version it is made from
	file catalogue.File
	// center is the center the change was made on, for the audit trail;
	// "" for the whole catalogue.
	center string
	note   string
	// cancel cancels the bookings the change strands, with reason.
	cancel bool
	reason string
}

// applyCatalogue checks and applies a change and records it in the audit
// trail. Its errors are catalogue.Problems, a *booking.InUseError or an
// ErrInvalid booking.Error (entryProblems reads all three), a
// *booking.StrandedError, or ErrVersionMoved.
func (h *Handler) applyCatalogue(c *gin.Context, e catalogueEdit) (booking.CatalogueVersion, []booking.Booking, error) {
	ctx := c.Request.Context()
	cat, loc, err := catalogue.Check(catalogueBody, e.file)
	if err != nil {
		return booking.CatalogueVersion{}, nil, err
	}
	doc, err := catalogue.Marshal(e.file)
	if err != nil {
		return booking.CatalogueVersion{}, nil, err
	}
	_, before, err := h.storedFile(ctx, e.base)
	if err != nil && !errors.Is(err, booking.ErrNotFound) {
		return booking.CatalogueVersion{}, nil, err
	}
	v, cancelled, err := h.scheduler.ChangeCatalogue(ctx, booking.CatalogueChange{
		Base: e.base, Catalogue: cat, Location: loc, Document: doc, Author: staffAccount(c).Email, Note: e.note,
		CancelStranded: e.cancel, Reason: e.reason,
	})
	if err != nil {
		return booking.CatalogueVersion{}, nil, err
	}
	h.audit(c, e.center, staff.ActionCatalogueChange, "version "+strconv.Itoa(v.Number), auditDetail(e.note, before, e.file, cancelled))
	return v, cancelled, nil
}

// maxAuditDetail bounds what the audit trail keeps of a change.
const maxAuditDetail = 1000

// auditDetail says what a change did: its note, the fields it changed and
// the bookings it cancelled.
func auditDetail(note string, before, after catalogue.File, cancelled []booking.Booking) string {
	var parts []string
	if note != "" {
		parts = append(parts, note)
	}
	var fields []string
	for _, ch := range catalogue.Diff(before, after) {
		fields = append(fields, strings.TrimSpace(ch.Entry+" "+ch.Field))
	}
	if len(fields) > 0 {
		parts = append(parts, "changed "+strings.Join(fields, ", "))
	}
	if len(cancelled) > 0 {
		refs := make([]string, len(cancelled))
		for i, b := range cancelled {
			refs[i] = b.Reference
		}
		parts = append(parts, "cancelled "+strings.Join(refs, " "))
	}
	detail := strings.Join(parts, "; ")
	if len(detail) > maxAuditDetail {
		detail = detail[:maxAuditDetail-len("…")] + "…"
	}
	return strings.ToValidUTF8(detail, "")
}

// entryProblems lists what is wrong with a refused change, if err says:
// the checks of the file, what bookings still use, or a field of the
// change itself (its time zone, the reason to cancel).
func entryProblems(err error) ([]entryProblem, bool) {
	var problems catalogue.Problems
	var inUse *booking.InUseError
	var invalid *booking.Error
	var out []entryProblem
	switch {
	case errors.As(err, &problems):
		for _, p := range problems {
			out = append(out, entryProblem{Entry: p.Entry, Field: p.Field, Detail: p.Message})
		}
	case errors.As(err, &inUse):
		for _, u := range inUse.Lacking {
			noun := "bookings"
			if u.Bookings == 1 {
				noun = "booking"
			}
			p := entryProblem{Entry: fmt.Sprintf("service %q", u.Service), Field: "id",
				Detail: fmt.Sprintf("is taken away, but %d %s at center %q still use it: keep it until they are past and their emails are sent; make it walk_in to stop new bookings",
					u.Bookings, noun, u.Center)}
			if inUse.LacksCenter(u.Center) {
				p = entryProblem{Entry: fmt.Sprintf("center %q", u.Center), Field: "id",
					Detail: fmt.Sprintf("is taken away, but %d %s of service %q still use it: keep it until they are past and their emails are sent",
						u.Bookings, noun, u.Service)}
			}
			out = append(out, p)
		}
	case errors.As(err, &invalid) && errors.Is(err, booking.ErrInvalid):
		for _, f := range invalid.Fields {
			out = append(out, entryProblem{Field: f.Field, Detail: f.Message})
		}
	default:
		return nil, false
	}
	return out, true
}

// getCatalogue answers the catalogue's latest version, with its number as
// its ETag.
func (h *Handler) getCatalogue(c *gin.Context) {
	v, f, err := h.storedFile(c.Request.Context(), 0)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	tag := versionTag(v.Number)
	c.Header("ETag", tag)
	c.Header("Cache-Control", "private, no-cache")
	if c.GetHeader("If-None-Match") == tag {
		c.Status(http.StatusNotModified)
		return
	}
	c.JSON(http.StatusOK, catalogueDocument{Version: v.Number, File: f})
}

var (
	errNoIfMatch = &render.HTTPError{Status: http.StatusPreconditionRequired, Code: "precondition_required",
		Detail: `send If-Match with the ETag of the version the change is made from, such as "3", from GET /api/v1/staff/catalogue`}
	errBadIfMatch = &render.HTTPError{Status: http.StatusPreconditionFailed, Code: "version_moved",
		Detail: `If-Match must be the ETag of the version the change is made from, such as "3"`}
)

// ifMatchVersion reads the version a change is made from out of If-Match.
func ifMatchVersion(c *gin.Context) (int, error) {
	v := strings.TrimSpace(c.GetHeader("If-Match"))
	if v == "" {
		return 0, errNoIfMatch
	}
	unquoted, ok := strings.CutPrefix(v, `"`)
	unquoted, ok2 := strings.CutSuffix(unquoted, `"`)
	n, err := strconv.Atoi(unquoted)
	if !ok || !ok2 || err != nil || n < 0 || strconv.Itoa(n) != unquoted {
		return 0, errBadIfMatch
	}
	return n, nil
}

// putCatalogue applies a change sent as the whole catalogue, made from
// the version If-Match names; ?cancel_stranded=true&reason=... cancels
// the bookings it strands.
func (h *Handler) putCatalogue(c *gin.Context) {
	base, err := ifMatchVersion(c)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	var body catalogueRequest
	if err := request.JSON(c, &body); err != nil {
		render.FailProblem(c, err)
		return
	}
	cancel := c.Query("cancel_stranded")
	if cancel != "" && cancel != "true" && cancel != "false" {
		render.FailProblem(c, render.InvalidFields(render.FieldProblem{Field: "cancel_stranded", Detail: "must be true or false"}))
		return
	}
	f := catalogue.File{TimeZone: body.TimeZone, Centers: body.Centers, Services: body.Services}
	v, cancelled, err := h.applyCatalogue(c, catalogueEdit{base: base, file: f, note: "changed through the API",
		cancel: cancel == "true", reason: c.Query("reason")})
	if err != nil {
		h.failCatalogueAPI(c, err)
		return
	}
	stored, err := catalogue.Decode(catalogue.VersionName(v.Number), v.Document)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	doc := catalogueDocument{Version: v.Number, File: stored}
	for _, b := range cancelled {
		doc.Cancelled = append(doc.Cancelled, b.Reference)
	}
	c.Header("ETag", versionTag(v.Number))
	c.JSON(http.StatusOK, doc)
}

// failCatalogueAPI answers a refused change with its problem document.
func (h *Handler) failCatalogueAPI(c *gin.Context, err error) {
	p := catalogueProblem{Problem: render.Problem{RequestID: render.RequestID(c.Request.Context())}}
	var stranded *booking.StrandedError
	if problems, ok := entryProblems(err); ok {
		p.Status, p.Code, p.Errors = http.StatusUnprocessableEntity, "invalid_catalogue", problems
		p.Detail = fmt.Sprintf("the catalogue has %d problems; errors names each entry and field", len(problems))
		if len(problems) == 1 {
			p.Detail = problems[0].String()
		}
	} else if errors.As(err, &stranded) {
		p.Status, p.Code, p.Detail = http.StatusConflict, "stranded_bookings",
			err.Error()+"; send the change again with ?cancel_stranded=true&reason=... to cancel them, each newcomer emailed the reason"
		loc := h.scheduler.Location()
		for _, s := range stranded.Bookings {
			b := s.Booking
			p.Stranded = append(p.Stranded, strandedBooking{Reference: b.Reference, Center: b.Center,
				Start: b.Start.In(loc).Format(timeLayout), End: b.End.In(loc).Format(timeLayout),
				Services: b.Services, Name: b.Name, Why: s.Why, Subject: s.Subject})
		}
	} else if errors.Is(err, booking.ErrVersionMoved) {
		p.Status, p.Code, p.Detail = http.StatusPreconditionFailed, "version_moved", err.Error()
	} else {
		render.FailProblem(c, err)
		return
	}
	c.Abort()
	p.Type, p.Title = "about:blank", http.StatusText(p.Status)
	c.Header("Content-Type", "application/problem+json")
	c.Status(p.Status)
	json.NewEncoder(c.Writer).Encode(p)
}

// timeLayout writes instants as the API does: RFC 3339 with the offset of
// the centers' zone.
const timeLayout = "2006-01-02T15:04:05Z07:00"
