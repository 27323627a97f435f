# ICS Booking. `make run` starts the server on an embedded SQLite database;
# `make test` runs every test (PostgreSQL tests run when ICS_TEST_DATABASE_URL is set).

SHELL := bash
GO ?= go
PKGS := ./...

.PHONY: run build test lint bench fuzz clean

run:
	$(GO) run ./cmd/icsbooking serve

build:
	CGO_ENABLED=0 $(GO) build -o bin/icsbooking ./cmd/icsbooking

# Verbose, minus the lines of passing tests, so that skipped tests (PostgreSQL
# without ICS_TEST_DATABASE_URL) are named with the reason. TEST_TIMEOUT bounds
# each package: go test's default of 10 minutes can fail a package that is
# only slow on a busy machine (cmd/icsbooking runs real servers for minutes
# under -race), while every wait in the tests has a deadline of its own, so a
# hang still fails, with every goroutine's stack.
TEST_TIMEOUT ?= 30m
test: lint
	@set -o pipefail; $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -v $(PKGS) 2>&1 | \
		grep -vE '^(=== (RUN|PAUSE|CONT|NAME)|[[:space:]]*--- PASS|PASS$$)'
	@[ -n "$$ICS_TEST_DATABASE_URL" ] || echo "note: ICS_TEST_DATABASE_URL is not set, so the PostgreSQL tests above were skipped"

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Each fuzz target for a number of inputs, set per target to take some
# seconds (go test runs one target at a time); the seeds in the tests run
# with every `make test` too. Counts, not durations: a run that ends on a
# deadline while an input is being minimized fails ("context deadline
# exceeded"), whatever the code does.
FUZZ := ./notify:FuzzInvitation:20000 ./notify:FuzzEmail:5000 ./booking/catalogue:FuzzParse:100000 \
	./cmd/icsbooking:FuzzLoadConfig:20000 ./web:FuzzBookingRequest:2000
fuzz:
	@set -e; for t in $(FUZZ); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; n=$${rest#*:}; \
		echo "fuzz $$name ($$pkg, $$n inputs)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $${n}x -fuzzminimizetime 1s $$pkg; \
	done

# The Go benchmarks, then cmd/icsbench: the real binary on a fresh PostgreSQL
# database, driven over HTTP, and again on one with 5 million bookings of
# history (issue 10). It needs PostgreSQL at BENCH_DB and pgbench on PATH;
# start PostgreSQL as .ci/run does.
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
BENCHTIME ?= 10s
ICSBENCH_FLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	$(GO) run ./cmd/icsbench -db '$(BENCH_DB)' -duration $(BENCHTIME) $(ICSBENCH_FLAGS)

clean:
	rm -rf bin
