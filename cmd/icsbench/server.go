package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"

	"github.com/ics-booking/icsbooking/configs"
)

var servingAt = regexp.MustCompile(`msg=serving addr=(\S+)`)

// createDatabase creates a fresh database next to the admin URL's and
// returns its URL and a function that drops it.
func createDatabase(ctx context.Context, adminURL string) (string, func(), error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", adminURL, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "icsbench_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "icsbench: drop database %s: %v\n", name, err)
		}
		admin.Close(context.Background())
	}
	return u.String(), drop, nil
}

// retentionDays is how long the server keeps personal data after an
// appointment; the history is erased as the server would have erased it.
const retentionDays = 30

// writeCatalogue writes the built-in catalogue with every center open every
// day, all day, so that the bench finds slots at any hour, and with copies
// of its first center added up to centers in all. It returns the file's path.
func writeCatalogue(dir string, centers int) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(configs.Catalogue, &doc); err != nil {
		return "", fmt.Errorf("built-in catalogue: %w", err)
	}
	list := value(doc.Content[0], "centers")
	first, err := yaml.Marshal(list.Content[0])
	if err != nil {
		return "", err
	}
	for n := 1; len(list.Content) < centers; n++ {
		var copied yaml.Node
		if err := yaml.Unmarshal(first, &copied); err != nil {
			return "", err
		}
		c := copied.Content[0]
		// Ids and codes must be unique; a code is 2 to 5 capital letters.
		value(c, "id").Value = fmt.Sprintf("bench-%02d", n)
		value(c, "code").Value = fmt.Sprintf("B%c%c", 'A'+n/26, 'A'+n%26)
		value(c, "name").Value = fmt.Sprintf("Bench Center %d", n)
		list.Content = append(list.Content, c)
	}
	allDay := &yaml.Node{Kind: yaml.MappingNode}
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		allDay.Content = append(allDay.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: day}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "00:00-24:00"})
	}
	for _, c := range list.Content {
		if h := value(c, "hours"); h != nil {
			*h = *allDay
		} else {
			c.Content = append(c.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "hours"}, allDay)
		}
	}
	data, err := yaml.Marshal(&doc)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("catalogue-%d.yaml", len(list.Content)))
	return path, os.WriteFile(path, data, 0o600)
}

// value returns the value of key in a YAML mapping, or nil.
func value(mapping *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i+1]
		}
	}
	return nil
}

// binary is the icsbooking binary built for the bench.
type binary struct{ path, dir string }

// build builds ./cmd/icsbooking into dir.
func build(dir string) (binary, error) {
	bin := binary{path: filepath.Join(dir, "icsbooking"), dir: dir}
	cmd := exec.Command("go", "build", "-o", bin.path, "./cmd/icsbooking")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return binary{}, fmt.Errorf("build: %w", err)
	}
	return bin, nil
}

// server is the icsbooking binary running as a separate process.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// serve runs `serve` on the database at dbURL with the bench's settings,
// waiting until it logs its address.
func (b binary) serve(dbURL, catalogue, smtpAddr string) (*server, error) {
	cmd := exec.Command(b.path, "serve")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"ICS_DATABASE_URL=" + dbURL,
		"ICS_ADDR=127.0.0.1:0",
		"ICS_CATALOGUE=" + catalogue,
		"ICS_SECRET_KEY_FILE=" + filepath.Join(b.dir, "secret.key"),
		"ICS_SMTP_URL=smtp://" + smtpAddr,
		"ICS_SMTP_TLS=none",
		"ICS_REMINDER_AT=off",
		"ICS_RATE_LIMIT_PER_MINUTE=0",
		"ICS_MAX_ACTIVE_BOOKINGS=0",
		"ICS_BOOKING_NOTICE=0s",
		"ICS_BOOKING_HORIZON_DAYS=3650",
		"ICS_RETENTION_DAYS=" + strconv.Itoa(retentionDays),
		// For a look inside while it runs: go tool pprof http://ADDR/debug/pprof/profile
		"ICS_PPROF_ADDR=" + os.Getenv("ICSBENCH_PPROF_ADDR"),
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	var head strings.Builder // the log until the address, for a failed start
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := servingAt.FindSubmatch(lines.Bytes()); m != nil {
				addr <- string(m[1])
			} else if head.Len() < 4000 {
				head.Write(lines.Bytes())
				head.WriteByte('\n')
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("server stopped: %v\n%s", err, head.String())
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		return nil, fmt.Errorf("server did not serve within a minute")
	}
}

// stop sends SIGTERM and waits for the process to end.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// rss returns the process's resident set and its high-water mark in bytes.
func (s *server) rss() (now, peak int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		name, value, _ := strings.Cut(line, ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			now = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return now, peak
}
