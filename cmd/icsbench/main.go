// Command icsbench measures ICS Booking as it runs: it builds the real
// binary, starts it on a fresh PostgreSQL database with a local SMTP sink,
// drives it over HTTP from this process with many kept-alive connections,
// and prints each figure beside its target (issue 10, point 1).
//
//	go run ./cmd/icsbench -duration 10s
//
// It needs PostgreSQL (the -db admin URL may create databases) and pgbench
// on PATH; the database it creates is dropped at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	adminURL := flag.String("db", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL of a role that may create databases")
	duration := flag.Duration("duration", 10*time.Second, "how long each measurement runs")
	clients := flag.Int("clients", 32, "concurrent HTTP clients booking")
	flag.Parse()
	if err := run(*adminURL, *duration, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "icsbench:", err)
		os.Exit(1)
	}
}

// listingClients is the concurrency of the listing measurement (b).
const listingClients = 64

// steadyRate is the bookings a second of the email latency measurement (d).
const steadyRate = 200

func run(adminURL string, d time.Duration, clients int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "icsbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbURL, drop, err := createDatabase(ctx, adminURL)
	if err != nil {
		return err
	}
	defer drop()
	smtp, err := startSink()
	if err != nil {
		return err
	}
	defer smtp.close()
	srv, err := startServer(dir, dbURL, smtp.addr)
	if err != nil {
		return err
	}
	defer srv.stop()
	peak := sampleRSS(srv)
	rep := &report{}

	// (a) The database's own rate for the one-row write a booking makes,
	// then bookings over HTTP.
	progress("(a) pgbench, 8 clients")
	tps, err := pgbench(ctx, dir, dbURL, d)
	if err != nil {
		return err
	}
	progress("(a) bookings over HTTP, %d clients", clients)
	client := newClient(max(clients, listingClients))
	b := newBooker(srv.base, client)
	booked := drive(clients, d, b.book)
	bookedAt := time.Now()
	rep.add("(a) pgbench INSERT ON CONFLICT, 8 clients", fmt.Sprintf("%.0f tps", tps), "")
	rep.add(fmt.Sprintf("    bookings over HTTP, %d clients", clients), fmt.Sprintf("%.0f /s (%d not 201)", booked.perSecond(), booked.other), "")
	rep.ratio("    ratio", booked.perSecond()/tps, 0.5)

	// (d, first half) The confirmations of those bookings drain to the sink.
	progress("(d) emails draining")
	sent := b.references()
	drainFrom := smtp.received()
	drained, drainTime := waitEmails(smtp, sent, bookedAt, d)
	emailRate := float64(smtp.received()-drainFrom) / drainTime.Seconds()
	if drained {
		emailRate = float64(len(sent)) / time.Since(bookedAt.Add(-booked.elapsed)).Seconds()
	}

	// (b) Hello world against the week's listing, 64 clients each.
	hello, err := startHello()
	if err != nil {
		return err
	}
	progress("(b) hello world, %d clients", listingClients)
	hi := drive(listingClients, d, func() bool { return get(client, hello) })
	from := time.Now().UTC().AddDate(0, 0, 1)
	listing := fmt.Sprintf("%s/api/v1/centers/aarhus/slots?service=residence-permit-renewal&from=%s&to=%s",
		srv.base, from.Format(time.DateOnly), from.AddDate(0, 0, 6).Format(time.DateOnly))
	progress("(b) one week's listing, %d clients", listingClients)
	ls := drive(listingClients, d, func() bool { return get(client, listing) })
	rep.add(fmt.Sprintf("(b) hello-world Gin, %d clients", listingClients), fmt.Sprintf("%.0f req/s", hi.perSecond()), "")
	rep.add(fmt.Sprintf("    one week's slots, %d clients", listingClients), fmt.Sprintf("%.0f req/s (%d not 200)", ls.perSecond(), ls.other), "")
	rep.ratio("    ratio", ls.perSecond()/hi.perSecond(), 0.2)
	rep.add("    listing p50", ms(ls.quantile(0.5)), "")
	rep.target("    listing p99", ms(ls.quantile(0.99)), "< 50 ms", ls.quantile(0.99) < 50*time.Millisecond)

	// (d, second half) From a booking's 201 to its email, at a steady rate.
	progress("(d) waiting for the backlog of emails")
	waitEmails(smtp, b.references(), time.Now(), 5*time.Minute)
	progress("(d) booking at %d/s", steadyRate)
	steadyRefs := b.steady(steadyRate, d)
	waitEmails(smtp, b.references(), time.Now(), time.Minute)
	all := b.references()
	var delays []time.Duration
	for _, ref := range steadyRefs {
		if at := smtp.confirmations(ref); len(at) > 0 {
			delays = append(delays, at[0].Sub(all[ref]))
		}
	}
	slices.Sort(delays)
	drain := fmt.Sprintf("over %s of draining, backlog left", ms(drainTime))
	if drained {
		drain = fmt.Sprintf("%d, first booking to last email", len(sent))
	}
	rep.add("(d) emails handed to the sink", fmt.Sprintf("%.0f /s (%s)", emailRate, drain), "")
	steady := result{latency: delays}
	rep.add(fmt.Sprintf("    201 to email at %d bookings/s, p99", steadyRate),
		fmt.Sprintf("%s (%d bookings)", ms(steady.quantile(0.99)), len(steadyRefs)), "")

	// (c) The server's peak memory under all of the above.
	p := peak()
	rep.target("(c) server peak RSS", fmt.Sprintf("%.1f MB", float64(p)/(1<<20)), "< 100 MB", p < 100<<20)

	// (f) Nothing overbooked, lost or sent twice.
	over, wrong, desks, err := counterCheck(ctx, dbURL)
	if err != nil {
		return err
	}
	lost, dup := 0, 0
	for ref := range all {
		switch n := len(smtp.confirmations(ref)); {
		case n == 0:
			lost++
		case n > 1:
			dup++
		}
	}
	rep.target("(f) overbooked slot counters", strconv.Itoa(over), "0", over == 0)
	rep.target(fmt.Sprintf("    desk counters unlike bookings (of %d)", desks), strconv.Itoa(wrong), "0", wrong == 0)
	rep.target(fmt.Sprintf("    lost confirmations (of %d)", len(all)), strconv.Itoa(lost), "0", lost == 0)
	rep.target("    duplicate confirmations", strconv.Itoa(dup), "0", dup == 0)
	rep.print(d)
	return nil
}

// progress says on stderr what is being measured.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "icsbench: "+format+"\n", args...)
}

// waitEmails polls until every reference has a confirmation at the sink or
// limit has passed since start; it reports whether they all arrived and how
// long it waited.
func waitEmails(smtp *sink, refs map[string]time.Time, start time.Time, limit time.Duration) (bool, time.Duration) {
	for {
		missing := 0
		for ref := range refs {
			if len(smtp.confirmations(ref)) == 0 {
				missing++
			}
		}
		if missing == 0 {
			return true, time.Since(start)
		}
		if time.Since(start) > limit {
			return false, time.Since(start)
		}
		time.Sleep(50 * time.Millisecond) // polling the sink, not synchronising
	}
}

// sampleRSS reads the server's memory every 100ms until the returned
// function is called, which returns the highest seen (VmHWM included).
func sampleRSS(srv *server) func() int64 {
	var (
		mu   sync.Mutex
		peak int64
	)
	stop := make(chan struct{})
	note := func() {
		now, hwm := srv.rss()
		mu.Lock()
		peak = max(peak, now, hwm)
		mu.Unlock()
	}
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				note()
			}
		}
	}()
	return func() int64 {
		close(stop)
		note()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

var tpsIn = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbench runs pgbench with 8 clients for d: a one-row INSERT ... ON
// CONFLICT DO NOTHING of a random key into a table with a unique key.
func pgbench(ctx context.Context, dir, dbURL string, d time.Duration) (float64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE bench_keys (k bigint PRIMARY KEY, v text NOT NULL)`); err != nil {
		return 0, fmt.Errorf("pgbench table: %w", err)
	}
	script := filepath.Join(dir, "insert.sql")
	err = os.WriteFile(script, []byte("\\set k random(1, 1000000000)\n"+
		"INSERT INTO bench_keys (k, v) VALUES (:k, 'x') ON CONFLICT DO NOTHING;\n"), 0o600)
	if err != nil {
		return 0, err
	}
	secs := strconv.Itoa(max(1, int(d.Round(time.Second).Seconds())))
	out, err := exec.CommandContext(ctx, "pgbench", "-n", "-c", "8", "-j", "2", "-T", secs, "-f", script, dbURL).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := tpsIn.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// counterCheck counts the slot counters above their capacity, and the desk
// counters whose count differs from the confirmed bookings covering their
// quarter hour, of desks desk counters.
func counterCheck(ctx context.Context, dbURL string) (over, wrong, desks int, err error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, 0, err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM slot_counters WHERE booked > capacity),
		(SELECT count(*) FROM slot_counters WHERE resource = 'desk'),
		(SELECT count(*) FROM slot_counters c WHERE c.resource = 'desk' AND c.booked <> (
			SELECT count(*) FROM bookings b WHERE b.center_id = c.center_id AND b.status = 'confirmed'
			AND b.starts_at <= c.starts_at AND c.starts_at < b.ends_at))`).Scan(&over, &desks, &wrong)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("check counters: %w", err)
	}
	return over, wrong, desks, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// report is the figures in aligned columns, each beside its target.
type report struct{ rows [][4]string }

func (r *report) add(name, value, target string) {
	r.rows = append(r.rows, [4]string{name, value, target, ""})
}

func (r *report) target(name, value, target string, met bool) {
	verdict := "ok"
	if !met {
		verdict = "MISSED"
	}
	r.rows = append(r.rows, [4]string{name, value, target, verdict})
}

func (r *report) ratio(name string, v, atLeast float64) {
	r.target(name, fmt.Sprintf("%.3f", v), fmt.Sprintf(">= %.1f", atLeast), v >= atLeast)
}

func (r *report) print(d time.Duration) {
	host, _ := os.Hostname()
	fmt.Printf("icsbench on %s (%s, %d CPUs, %s), %s per measurement\n", host, cpuModel(), runtime.NumCPU(), runtime.Version(), d)
	for _, row := range r.rows {
		line := fmt.Sprintf("%-44s %-24s %-9s %s", row[0], row[1], row[2], row[3])
		fmt.Println(strings.TrimRight(line, " "))
	}
}

// cpuModel is the first model name in /proc/cpuinfo.
func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(data), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}
