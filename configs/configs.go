// Package configs holds the data files ICS Booking ships with. They are
// embedded so that the binary runs without the repository beside it.
package configs

import _ "embed"

// CatalogueName is the repository path of the default catalogue, used to
// name it in error messages.
const CatalogueName = "configs/catalogue.yaml"

// Catalogue is the default catalogue of centers and services, in the format
// that booking/catalogue reads.
//
//go:embed catalogue.yaml
var Catalogue []byte
