// Package web holds the browser side of nsweb: the templ page components in
// web/templates and the static ES modules and styles embedded here, so that
// the nsweb binary stands alone with no files beside it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var staticFiles embed.FS

// Static returns the static assets (ES modules, CSS, icons) rooted at the
// static directory, for the server to serve under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path literal, which is a
		// programming error caught by the tests.
		panic(err)
	}
	return sub
}
