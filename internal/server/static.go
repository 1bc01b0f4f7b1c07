package server

import (
	"io/fs"
	"net/http"
	"strings"
)

// staticHandler serves the page's assets under /static/: files only. A
// directory is no asset (http.FileServer would list it), and the browser
// unit tests (*.test.js) are embedded for tooling but are not the page's.
func staticHandler(files fs.FS) http.Handler {
	fileServer := http.StripPrefix("/static/", http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if !servable(files, name) {
			http.NotFound(w, r)
			return
		}
		fileServer.ServeHTTP(w, r)
	})
}

// servable reports whether name is a regular asset file of files.
func servable(files fs.FS, name string) bool {
	if !fs.ValidPath(name) || name == "." || strings.HasSuffix(name, ".test.js") {
		return false
	}
	st, err := fs.Stat(files, name)
	return err == nil && st.Mode().IsRegular()
}
