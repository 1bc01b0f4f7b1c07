package stream

import (
	"strings"
	"testing"
)

// TestRefFormsExamples: the forms the 400 answer offers are accepted, so
// that a person who copies one is not refused again.
func TestRefFormsExamples(t *testing.T) {
	for _, ex := range []string{"4098", "ns:4098", "4026531837", "net:4026531993", "net:[4026531993]"} {
		if !strings.Contains(RefForms, ex) {
			t.Errorf("RefForms lacks the example %q", ex)
		}
		if _, err := parseRef(ex); err != nil {
			t.Errorf("example %q refused: %v", ex, err)
		}
	}
}
