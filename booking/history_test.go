package booking

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSteps tells bookings' stories from their emails, tickets and the
// audit trail: each step once, in time order, and who took it.
func TestSteps(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	at := func(minute int) time.Time { return time.Date(2026, 11, 26, 9, minute, 0, 0, time.UTC) }
	slot := func(hour int) time.Time { return time.Date(2026, 11, 30, hour, 0, 0, 0, loc) }
	email := func(kind EmailKind, minute, hour int) Email {
		return Email{Kind: kind, CreatedAt: at(minute), Start: slot(hour), End: slot(hour).Add(45 * time.Minute)}
	}
	made := Booking{CreatedAt: at(0), Start: slot(9), End: slot(9).Add(45 * time.Minute), Status: Confirmed}
	cancelled := made
	cancelled.Status, cancelled.UpdatedAt = Cancelled, at(5)
	withReason := cancelled
	withReason.CancelReason = "Burst pipe"
	ticket := Ticket{ID: 1, Number: "A-003", IssuedAt: at(50), State: Done, Calls: 2, CalledAt: at(58), Desk: "2", DoneAt: at(70)}

	tests := []struct {
		name   string
		b      Booking
		emails []Email
		t      Ticket
		acts   []StaffAct
		want   []string // kind by, in order
	}{
		{"booked online", made, []Email{email(EmailConfirmation, 0, 9), email(EmailReminder, 40, 9)}, Ticket{}, nil,
			[]string{"booked newcomer 09:00"}},
		{"booked by staff", made, []Email{email(EmailConfirmation, 0, 9)}, Ticket{},
			[]StaffAct{{Kind: StepBooked, By: "mette@ics.dk", At: at(0).Add(time.Millisecond)}},
			[]string{"booked mette@ics.dk 09:00"}},
		{"moved by the newcomer, then by staff, at one instant", made,
			[]Email{email(EmailConfirmation, 0, 9), email(EmailUpdate, 3, 10), email(EmailUpdate, 3, 11)}, Ticket{},
			[]StaffAct{{Kind: StepMoved, By: "mette@ics.dk", At: at(3), Detail: "2026-11-30 11:00"}},
			[]string{"booked newcomer 09:00", "moved newcomer 10:00", "moved mette@ics.dk 11:00"}},
		{"moved by staff, then by the newcomer before staff's entry", made,
			[]Email{email(EmailConfirmation, 0, 9), email(EmailUpdate, 3, 10), email(EmailUpdate, 4, 11)}, Ticket{},
			[]StaffAct{{Kind: StepMoved, By: "mette@ics.dk", At: at(5), Detail: "2026-11-30 10:00"}},
			[]string{"booked newcomer 09:00", "moved mette@ics.dk 10:00", "moved newcomer 11:00"}},
		{"sent again", made, []Email{email(EmailConfirmation, 0, 9), email(EmailConfirmation, 6, 9)}, Ticket{},
			[]StaffAct{{Kind: StepResent, By: "mette@ics.dk", At: at(6), Detail: "confirmation"}},
			[]string{"booked newcomer 09:00", "resent mette@ics.dk 09:00"}},
		{"cancelled by the newcomer", cancelled, []Email{email(EmailConfirmation, 0, 9), email(EmailCancellation, 5, 9)}, Ticket{}, nil,
			[]string{"booked newcomer 09:00", "cancelled newcomer 09:00"}},
		{"cancelled by a closure, its cancellation sent again", withReason,
			[]Email{email(EmailConfirmation, 0, 9), email(EmailCancellation, 5, 9), email(EmailCancellation, 8, 9)}, Ticket{},
			[]StaffAct{{Kind: StepCancelled, By: "admin@ics.dk", At: at(5)}},
			[]string{"booked newcomer 09:00", "cancelled admin@ics.dk 09:00", "resent staff 09:00"}},
		{"stored without emails, cancelled with a reason", withReason, nil, Ticket{}, nil,
			[]string{"booked newcomer 09:00", "cancelled staff"}},
		{"checked in at the kiosk, called twice, served", made, []Email{email(EmailConfirmation, 0, 9)}, ticket,
			[]StaffAct{{Kind: StepCalled, By: "mette@ics.dk", At: at(55), Detail: "desk 1"}, {Kind: StepCalled, By: "bo@ics.dk", At: at(58), Detail: "desk 2"},
				{Kind: StepServing, By: "bo@ics.dk", At: at(59)}},
			[]string{"booked newcomer 09:00", "checked_in newcomer A-003", "called mette@ics.dk A-003 desk 1", "called bo@ics.dk A-003 desk 2",
				"serving bo@ics.dk A-003", "served staff A-003"}},
		{"checked in by staff, called by a desk the trail missed, moved, no-show", made, []Email{email(EmailConfirmation, 0, 9)},
			Ticket{ID: 1, Number: "W-004", IssuedAt: at(50), State: NoShow, Calls: 3, CalledAt: at(80), Desk: "1", DoneAt: at(85)},
			[]StaffAct{{Kind: StepCheckedIn, By: "mette@ics.dk", At: at(50)}, {Kind: StepTicketMoved, By: "mette@ics.dk", At: at(60), Detail: "to tax-card"}},
			[]string{"booked newcomer 09:00", "checked_in mette@ics.dk W-004", "ticket_moved mette@ics.dk W-004 tax-card",
				"called staff W-004 desk 1", "no_show staff W-004"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, st := range steps(tt.b, tt.emails, tt.t, tt.acts, loc) {
				who := "newcomer"
				switch {
				case st.By != "":
					who = st.By
				case st.ByStaff:
					who = "staff"
				}
				line := []string{string(st.Kind), who}
				if !st.Start.IsZero() {
					line = append(line, st.Start.In(loc).Format("15:04"))
				}
				if st.Ticket != "" {
					line = append(line, st.Ticket)
				}
				if st.Desk != "" {
					line = append(line, "desk "+st.Desk)
				}
				if st.Service != "" {
					line = append(line, st.Service)
				}
				got = append(got, strings.Join(line, " "))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("steps:\n%s\nwant:\n%s", fmt.Sprint(strings.Join(got, "\n")), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestLatestKind picks the email Resend sends again.
func TestLatestKind(t *testing.T) {
	kinds := func(ks ...EmailKind) []Email {
		var es []Email
		for _, k := range ks {
			es = append(es, Email{Kind: k})
		}
		return es
	}
	for _, tt := range []struct {
		status Status
		emails []Email
		want   EmailKind
	}{
		{Confirmed, kinds(EmailConfirmation), EmailConfirmation},
		{Confirmed, kinds(EmailConfirmation, EmailUpdate, EmailReminder), EmailUpdate},
		{Confirmed, kinds(EmailConfirmation, EmailReminder), EmailConfirmation},
		{Confirmed, nil, EmailConfirmation},
		{Cancelled, kinds(EmailConfirmation, EmailCancellation), EmailCancellation},
		{Cancelled, nil, EmailCancellation},
	} {
		if got := latestKind(Booking{Status: tt.status}, tt.emails); got != tt.want {
			t.Errorf("%s with %v: %s, want %s", tt.status, tt.emails, got, tt.want)
		}
	}
}
