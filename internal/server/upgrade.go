package server

import (
	"net/http"
	"strings"
)

// wantsWebsocket reports whether r asks to be upgraded to a websocket
// (Connection: upgrade and Upgrade: websocket, RFC 6455 section 4.1, each
// header possibly a list or repeated); what else a handshake needs,
// websocket.Accept checks. It is the one reading of these headers: the
// access guard checks the Origin of exactly the requests the websocket
// handler would upgrade.
func wantsWebsocket(r *http.Request) bool {
	return hasToken(r, "Connection", "upgrade") && hasToken(r, "Upgrade", "websocket")
}

func hasToken(r *http.Request, header, token string) bool {
	for _, v := range r.Header.Values(header) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
