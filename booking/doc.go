// Package booking is the domain of ICS Booking: the rules of booking an
// appointment and of the walk-in queue, in one place that the web server,
// the background jobs and the emails all use.
//
// It holds:
//
//   - the catalogue of centers and services (catalogue.go) and the Danish
//     calendar the centers keep: public holidays and the days every center
//     closes (calendar.go), with dates (date.go);
//   - the Scheduler: the slots a center offers and the checks of a start
//     (slots.go), a visit of several services and people and its length
//     (visit.go), when a center is open (opening.go), closures staff enter
//     and the bookings they hit (closures.go), and a booking's life: made,
//     read with its token, moved, cancelled by the newcomer or by staff,
//     reminded of and erased after the retention (lifecycle.go); seats and
//     closures are kept in memory between listings (availability.go);
//   - the Queue: walk-in tickets, the check-in of appointment holders, the
//     desks calling, serving and moving tickets (queue.go), the order of
//     the queue (ticket.go), the estimated wait (estimate.go) and the
//     statistics of the tickets and bookings of a period (stats.go);
//   - the newcomer's request and its checks (request.go, address.go), and
//     the emails a booking gets (email.go);
//   - references, manage tokens and ticket tokens, the sealing of manage
//     tokens with the server's key for later emails, and the links built on
//     them (token.go);
//   - the Store and TicketStore interfaces the database implements
//     (store.go, queue.go), and the sentinel errors every error of the
//     package wraps (errors.go).
//
// It knows nothing of HTTP or SQL. Persistence is behind Store and
// TicketStore, implemented in booking/store; the clock is injected so that
// schedules can be tested across daylight-saving changes.
package booking
