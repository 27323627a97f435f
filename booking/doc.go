// Package booking is the domain of ICS Booking: the catalogue of centers and
// services, the Danish calendar the centers keep, the slots they offer and the
// bookings newcomers make in them.
//
// It knows nothing of HTTP or SQL. Persistence is behind the Store interface,
// implemented in booking/store; the clock is injected so that schedules can be
// tested across daylight-saving changes.
package booking
