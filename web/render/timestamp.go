package render

import "time"

// Timestamp formats an instant as the APIs write times: RFC 3339 with the
// offset of loc, the centers' time zone, e.g. 2026-12-07T09:00:00+01:00.
func Timestamp(t time.Time, loc *time.Location) string {
	return string(AppendTimestamp(nil, t, loc))
}

// AppendTimestamp appends t as Timestamp writes it.
func AppendTimestamp(b []byte, t time.Time, loc *time.Location) []byte {
	return t.In(loc).AppendFormat(b, time.RFC3339)
}
