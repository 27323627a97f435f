package store

import "time"

// HotQueries exposes the statements of the hot paths to the tests of their
// plans, by name.
var HotQueries = map[string]string{
	"usage":               usageSQL,
	"closures":            closuresSQL,
	"appointments":        appointmentsSQL,
	"reminders":           remindersSQL,
	"emails of a booking": emailsOfBookingSQL,
	"queued emails":       queuedEmailsSQL,
	"a day's bookings":    dayBookingsSQL,
	"next ticket":         nextTicketSQL,
	"tickets of days":     ticketsOfDaysSQL,
	"expired bookings":    expiredSQL,
}

// SetSlowQuery makes statements that take d or longer count as slow, so
// that a test sees every statement logged as slow without making one slow.
func SetSlowQuery(s *Store, d time.Duration) { s.statementLog.slow = d }
