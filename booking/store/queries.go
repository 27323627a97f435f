package store

// The statements of the hot paths, each with the index it relies on, so
// that its cost follows the rows it returns, not the years of history the
// tables hold. TestHotQueriesUseTheirIndexes checks every plan on a year of
// generated history. Status and state are literals, not parameters, so that
// partial indexes apply even to a generic plan of a prepared statement.
const (
	// usageSQL reads the seats taken in a center's units of a week:
	// slot_counters_center_id_starts_at_idx.
	usageSQL = `SELECT resource, starts_at, booked FROM slot_counters
		WHERE center_id = ? AND starts_at >= ? AND starts_at < ? AND booked > 0`

	// closuresSQL reads a center's closures of a range of days (YYYY-MM-DD
	// text, so text order is date order): the primary key (center_id, day).
	closuresSQL = `SELECT center_id, day, reason, from_minute, to_minute FROM closures
		WHERE center_id = ? AND day >= ? AND day <= ? ORDER BY day`

	// appointmentsSQL reads a center's confirmed bookings of a range:
	// bookings_center_id_starts_at_idx.
	appointmentsSQL = `SELECT * FROM bookings
		WHERE center_id = ? AND starts_at >= ? AND starts_at < ? AND status = 'confirmed'
		ORDER BY starts_at, id`

	// dayBookingsSQL reads a center's bookings of a day, cancelled ones
	// too: bookings_center_id_starts_at_idx.
	dayBookingsSQL = `SELECT * FROM bookings
		WHERE center_id = ? AND starts_at >= ? AND starts_at < ?
		ORDER BY starts_at, id`

	// emailsOfDaySQL reads the emails of those bookings in one go: the
	// unique key (booking_id, kind, sequence) for each booking.
	emailsOfDaySQL = `SELECT e.* FROM emails e JOIN bookings b ON b.id = e.booking_id
		WHERE b.center_id = ? AND b.starts_at >= ? AND b.starts_at < ?
		ORDER BY e.id`

	// remindersSQL records a reminder for every confirmed booking starting
	// in a window that was made before the reminder time:
	// bookings_confirmed_starts_at_idx. The unique key on (booking_id,
	// kind, sequence) skips the bookings reminded of in their current
	// version.
	remindersSQL = `INSERT INTO emails (booking_id, kind, sequence, starts_at, ends_at,
			state, attempts, last_error, created_at, updated_at)
		SELECT id, 'reminder', sequence, starts_at, ends_at, 'queued', 0, '', ?, ?
		FROM bookings
		WHERE status = 'confirmed' AND starts_at >= ? AND starts_at < ? AND updated_at < ?
		ON CONFLICT (booking_id, kind, sequence) DO NOTHING
		RETURNING id`

	// emailsOfBookingSQL reads a booking's emails, oldest first: the unique
	// key (booking_id, kind, sequence).
	emailsOfBookingSQL = `SELECT * FROM emails WHERE booking_id = ? ORDER BY id`

	// queuedEmailsSQL pages through the emails still to deliver, by ID:
	// emails_queued_idx.
	queuedEmailsSQL = `SELECT * FROM emails WHERE state = 'queued' AND id > ? ORDER BY id LIMIT ?`
)

// The queue's statements.
const (
	// nextTicketSQL finds the ticket a desk calls next: the first waiting
	// ticket of a center's day in the order of booking.QueueOrder at now
	// (the parameter), those ready (priority <= now) before the appointment
	// holders who wait for their time: tickets_waiting_idx, whose few rows
	// of a day are sorted. On PostgreSQL the store adds FOR UPDATE SKIP
	// LOCKED, so that two desks calling at once take two tickets.
	nextTicketSQL = `SELECT id FROM tickets
		WHERE center_id = ? AND day = ? AND state = 'waiting'
		ORDER BY CASE WHEN priority <= ? THEN 0 ELSE 1 END, lane, priority, id LIMIT 1`

	// ticketsOfDaysSQL reads a center's tickets of a range of days (a day
	// for the queue, a period for statistics): the unique key (center_id,
	// day, number).
	ticketsOfDaysSQL = `SELECT * FROM tickets WHERE center_id = ? AND day >= ? AND day <= ? ORDER BY id`
)
