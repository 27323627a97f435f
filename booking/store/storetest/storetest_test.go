package storetest

import "testing"

// A template dropped meanwhile (by a test run of another checkout, whose
// migrations differ and which took it for stale) is made again instead of
// failing every later test of the run.
func TestTemplateMadeAgainWhenGone(t *testing.T) {
	URL(t, "postgres")
	templateMu.Lock()
	templateName = templatePrefix + "dropped_meanwhile"
	templateMu.Unlock()
	URL(t, "postgres")
	templateMu.Lock()
	defer templateMu.Unlock()
	if templateName == templatePrefix+"dropped_meanwhile" {
		t.Error("the template's name still names the one that is gone")
	}
}
