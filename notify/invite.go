package notify

import "time"

// Method is the iTIP method of an invitation.
type Method string

// The methods ICS Booking sends.
const (
	MethodRequest Method = "REQUEST" // a new or moved appointment
	MethodCancel  Method = "CANCEL"  // a cancelled appointment
)

// Invitation is one appointment as a calendar app sees it.
type Invitation struct {
	Method   Method
	UID      string // fixed for the booking's whole life
	Sequence int    // up by one on every change
	Stamp    time.Time
	Start    time.Time
	End      time.Time
	Summary  string
	Location string
	// Description is plain text; line breaks are kept.
	Description    string
	URL            string
	OrganizerName  string
	OrganizerEmail string
	AttendeeName   string
	AttendeeEmail  string
}
