# ICS Booking. `make run` starts the server on an embedded SQLite database;
# `make test` runs every test (PostgreSQL tests run when ICS_TEST_DATABASE_URL is set).

GO ?= go
PKGS := ./...

.PHONY: run build test lint bench clean

run:
	$(GO) run ./cmd/icsbooking serve

build:
	CGO_ENABLED=0 $(GO) build -o bin/icsbooking ./cmd/icsbooking

test: lint
	$(GO) test -race -count=1 $(PKGS)

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin
