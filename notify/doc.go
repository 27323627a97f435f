// Package notify tells newcomers about their bookings: it builds iCalendar
// invitations (RFC 5545, with the iTIP methods of RFC 5546), composes the
// emails that carry them (RFC 6047) in the booking's locale, and delivers
// them over SMTP or into .eml files.
//
// It depends on booking's types; booking never imports notify.
package notify
