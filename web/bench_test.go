package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// benchClients is how many clients the HTTP benchmarks run at once, as the
// product's latency target says.
const benchClients = 64

// keepAlive lets every benchmark client keep its connection (the default
// keeps two per host, so the rest would measure TCP setup).
func keepAlive(srv *httptest.Server) *http.Client {
	c := srv.Client()
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = benchClients
	return c
}

// BenchmarkHelloGin is the yardstick for BenchmarkSlots: a hello-world Gin
// handler served and called the same way (the product asks slot listing for
// at least a fifth of its requests per second).
func BenchmarkHelloGin(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"hello": "world"}) })
	srv := httptest.NewServer(r)
	defer srv.Close()
	client := keepAlive(srv)
	b.SetParallelism(max(1, benchClients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(srv.URL + "/")
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkSlots lists a week of slots of one center over HTTP from 64
// concurrent clients, and reports the 99th percentile latency too.
func BenchmarkSlots(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			a := newApp(b, dialect, thursday)
			url := a.srv.URL + "/api/v1/centers/aarhus/slots?service=" + permit + "&from=2026-11-30&to=2026-12-06"
			client := keepAlive(a.srv)
			b.SetParallelism(max(1, benchClients/runtime.GOMAXPROCS(0)))
			var mu sync.Mutex
			var latencies []time.Duration
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					start := time.Now()
					res, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						b.Errorf("status %d", res.StatusCode)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			if len(latencies) > 0 {
				slices.Sort(latencies)
				p99 := latencies[len(latencies)*99/100]
				b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			}
		})
	}
}

// BenchmarkBook books over HTTP from parallel clients, spread over the
// slots of 60 days in all four centers, as a busy morning would.
func BenchmarkBook(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			a := newApp(b, dialect, thursday)
			var starts []string
			for d := 4; d < 60; d++ {
				day := thursday.AddDate(0, 0, d).In(a.loc)
				if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
					continue
				}
				for _, hm := range []string{"09:00", "10:00", "11:00", "12:00", "13:00", "14:00"} {
					starts = append(starts, day.Format("2006-01-02")+"T"+hm+":00"+day.Format("-07:00"))
				}
			}
			centers := []string{"copenhagen", "aarhus", "odense", "aalborg"}
			var n, created atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					body := fmt.Sprintf(`{"center":%q,"service":%q,"start":%q,"name":"Bench %d","email":"b%d@example.com"}`,
						centers[i%4], permit, starts[(i/4)%int64(len(starts))], i, i)
					res, err := a.srv.Client().Post(a.srv.URL+"/api/v1/bookings", "application/json", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					res.Body.Close()
					switch res.StatusCode {
					case http.StatusCreated:
						created.Add(1)
					case http.StatusConflict, http.StatusUnprocessableEntity: // full, or a holiday
					default:
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(created.Load())/b.Elapsed().Seconds(), "bookings/s")
		})
	}
}

// BenchmarkTicketPage renders the page of the last of 12 walk-in tickets,
// in English, straight through the server's handler (no network): the
// CPU and allocations a ticket's page costs, for profiling
// (-cpuprofile). The queue is read from memory, as under a rush.
func BenchmarkTicketPage(b *testing.B) {
	a := newApp(b, "sqlite", thursday, func(s *appSetup) { s.queueReadTTL = time.Hour })
	var path string
	for range 12 {
		path = pagePath(b, a.takeTicket("aarhus", "general-information")["url"])
	}
	handler := a.srv.Config.Handler
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept-Language", "en")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
