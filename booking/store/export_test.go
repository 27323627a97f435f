package store

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
