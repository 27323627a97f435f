package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
)

// newClient keeps up to conns connections alive to each host.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        conns * 4,
			MaxIdleConnsPerHost: conns * 2,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// result is what a run of one kind of request came to.
type result struct {
	ok      int // requests that got the status wanted
	other   int // requests that did not
	elapsed time.Duration
	latency []time.Duration // of every request, sorted
}

func (r result) perSecond() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// quantile returns the q quantile of the latencies (0 when none).
func (r result) quantile(q float64) time.Duration {
	if len(r.latency) == 0 {
		return 0
	}
	return r.latency[min(len(r.latency)-1, int(q*float64(len(r.latency))))]
}

// drive runs clients loops of do for d; do reports whether its request
// got the status wanted.
func drive(clients int, d time.Duration, do func() bool) result {
	var (
		mu  sync.Mutex
		res result
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Go(func() {
			var lat []time.Duration
			ok, other := 0, 0
			for time.Now().Before(deadline) {
				t := time.Now()
				if do() {
					ok++
				} else {
					other++
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.ok += ok
			res.other += other
			res.latency = append(res.latency, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.latency)
	return res
}

// get fetches url and reports whether it answered 200.
func get(client *http.Client, url string) bool {
	res, err := client.Get(url)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// startHello serves a hello-world Gin handler on a free loopback port and
// returns its URL.
func startHello() (string, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/hello", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(ln, r)
	return "http://" + ln.Addr().String() + "/hello", nil
}

var referenceIn = regexp.MustCompile(`"reference":"([A-Z]+-[0-9A-Z]+)"`)

// booker books 30-minute appointments over every center, round the clock,
// two to a slot, up to ten years ahead, and notes when each was answered.
// It leaves out the public holidays, which are closed even round the clock.
type booker struct {
	base     string
	client   *http.Client
	from     time.Time // midnight UTC of the first day
	next     atomic.Int64
	calendar *booking.Calendar
	loc      *time.Location // the centers'

	mu     sync.Mutex
	booked map[string]time.Time // the 201 time by reference
}

var centers = []string{"copenhagen", "aarhus", "odense", "aalborg"}

func newBooker(base string, client *http.Client) *booker {
	_, loc := bookingtest.Catalogue()
	return &booker{base: base, client: client, booked: map[string]time.Time{},
		from: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2), calendar: booking.NewCalendar(nil), loc: loc}
}

// book makes the next booking and reports whether it got a 201.
func (b *booker) book() bool {
	var n int64
	var center string
	var start time.Time
	for {
		n = b.next.Add(1) - 1
		slot := n / 2
		center = centers[slot%int64(len(centers))]
		start = b.from.Add(time.Duration(slot/int64(len(centers))) * 30 * time.Minute)
		if _, holiday := b.calendar.Closed(booking.DateOf(start.In(b.loc))); !holiday {
			break
		}
	}
	body := fmt.Sprintf(`{"center":%q,"service":"cpr-number","start":%q,"name":"Bench %d","email":"bench%d@example.com"}`,
		center, start.Format(time.RFC3339), n, n)
	res, err := b.client.Post(b.base+"/api/v1/bookings", "application/json", strings.NewReader(body))
	if err != nil {
		return false
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	at := time.Now()
	m := referenceIn.FindSubmatch(data)
	if res.StatusCode != http.StatusCreated || m == nil {
		return false
	}
	b.mu.Lock()
	b.booked[string(m[1])] = at
	b.mu.Unlock()
	return true
}

// references returns the booked references with their 201 times.
func (b *booker) references() map[string]time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]time.Time, len(b.booked))
	for k, v := range b.booked {
		out[k] = v
	}
	return out
}

// steady books at rate a second for d, each booking in its own goroutine,
// and returns the references booked in that time.
func (b *booker) steady(rate int, d time.Duration) []string {
	before := b.references()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	for end := time.Now().Add(d); time.Now().Before(end); {
		<-tick.C
		wg.Go(func() { b.book() })
	}
	wg.Wait()
	var refs []string
	for ref := range b.references() {
		if _, old := before[ref]; !old {
			refs = append(refs, ref)
		}
	}
	return refs
}
