package stream

import (
	"github.com/nsweb/nsweb/internal/filter"
	"github.com/nsweb/nsweb/internal/model"
)

// ParseFilter is the hub's default filter parser, internal/filter: a query
// with no terms keeps everything, and equivalent spellings share one
// subscription through the query's canonical String.
func ParseFilter(q string) (func(*model.Snapshot, *model.Namespace) bool, string, error) {
	fq, err := filter.Parse(q)
	if err != nil {
		return nil, "", err
	}
	if fq.Empty() {
		return nil, "", nil
	}
	return fq.Match, fq.String(), nil
}
