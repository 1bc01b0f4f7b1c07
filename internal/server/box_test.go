package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestContainerAndPod: the routes answer from the latest snapshot, with
// JSON errors naming what is missing (inspect's tests check the content).
func TestContainerAndPod(t *testing.T) {
	srv := svgServer(t)
	for _, tc := range []struct {
		path     string
		code     int
		contains string
	}{
		{"/api/v1/container/c1", 200, `"kind":"container"`},
		{"/api/v1/container/nope", 404, `no container \"nope\"`},
		{"/api/v1/container/a%2Fb", 404, `no container \"a/b\"`},
		{"/api/v1/pod/default/shop", 404, `no pod \"default/shop\"`},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s: %d %s", tc.path, resp.StatusCode, body)
		}
	}
}
