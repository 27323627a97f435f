// Package migrations holds the database schema of ICS Booking as numbered
// goose migrations, one directory per SQL dialect, embedded in the binary so
// that the server can bring its database up to date at startup.
package migrations

import "embed"

// FS holds the migrations: postgres/*.sql for PostgreSQL and sqlite/*.sql for
// SQLite. Both directories describe the same schema and keep the same
// version numbers; apply the one matching the database with fs.Sub.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
