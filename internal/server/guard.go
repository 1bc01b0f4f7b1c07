package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Guard is the access policy of the HTTP surface. nsweb shows every process
// and command line of the host, so the defaults shut out everyone but a
// browser on this machine that asked for this very address.
type Guard struct {
	// Hosts are the Host header values (host:port, lower case) requests may
	// carry. A request naming any other host is refused, which defeats DNS
	// rebinding: a foreign page that resolves its own name to 127.0.0.1
	// still sends its own name.
	Hosts []string
	// AnyIPHost also accepts any IP literal as the host, for a server that
	// listens on all addresses behind a token.
	AnyIPHost bool
	// Token, when set, must accompany every request: as a bearer token, the
	// nsweb_token cookie, or once as ?token= on a page load, which sets the
	// cookie and redirects to the same URL without it.
	Token string
}

// tokenCookie carries the token for the browser's page, asset and websocket
// requests after the first load.
const tokenCookie = "nsweb_token"

// securityHeaders are sent with every answer. The page runs only its own
// scripts and styles, connects only to its own origin and cannot be framed.
var securityHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
}

// Middleware applies the policy in front of next: security headers, the
// read-only method check, the Host check, the Origin check for websocket
// upgrades and the token.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	hosts := make(map[string]bool, len(g.Hosts))
	for _, h := range g.Hosts {
		hosts[withPort(h, "80")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range securityHeaders {
			w.Header().Set(h[0], h[1])
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "nsweb is read-only: only GET and HEAD are served")
			return
		}
		host := hostWithPort(r)
		if !hosts[host] && !(g.AnyIPHost && isIPHost(host)) {
			writeError(w, http.StatusMisdirectedRequest, "host "+quote(r.Host)+" is not served here; open nsweb by the address it printed")
			return
		}
		upgrade := wantsWebsocket(r)
		if upgrade {
			if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) {
				writeError(w, http.StatusForbidden, "websocket origin "+quote(origin)+" does not match host "+quote(r.Host))
				return
			}
		}
		if g.Token != "" {
			if q := r.URL.Query().Get("token"); q != "" && !upgrade {
				if !tokenEqual(q, g.Token) {
					writeError(w, http.StatusUnauthorized, "wrong token")
					return
				}
				http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: q, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
				http.Redirect(w, r, localTarget(r.URL), http.StatusSeeOther)
				return
			}
			if !tokenEqual(requestToken(r), g.Token) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="nsweb"`)
				writeError(w, http.StatusUnauthorized, "a token is required: open the URL nsweb printed, or send Authorization: Bearer <token>")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// localTarget is where the token redirect sends the browser: the same
// path and query without the token, as a clean path of this site. A path
// such as //evil.example/ would be read by the browser as another host, so
// the path is cleaned and never starts with two slashes or a backslash.
func localTarget(u *url.URL) string {
	p := strings.ReplaceAll(u.Path, "\\", "/")
	trailing := strings.HasSuffix(p, "/")
	p = "/" + strings.TrimLeft(path.Clean("/"+p), "/")
	if trailing && p != "/" {
		p += "/"
	}
	v := u.Query()
	v.Del("token")
	loc := (&url.URL{Path: p}).EscapedPath()
	if strings.HasPrefix(loc, "//") { // cannot happen after Clean and TrimLeft; never redirect off-site
		loc = "/"
	}
	if q := v.Encode(); q != "" {
		loc += "?" + q
	}
	return loc
}

// hostWithPort is the request's Host in lower case with its port: a Host
// without one means the scheme's default port, which browsers leave out
// (http://127.0.0.1/ is sent as Host 127.0.0.1 to port 80).
func hostWithPort(r *http.Request) string {
	port := "80"
	if r.TLS != nil {
		port = "443"
	}
	return withPort(r.Host, port)
}

// withPort is host in lower case with port added when it has none.
func withPort(host, port string) string {
	host = strings.ToLower(host)
	if _, _, err := net.SplitHostPort(host); err == nil || host == "" {
		return host
	}
	if strings.HasPrefix(host, "[") || !strings.Contains(host, ":") {
		return net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	return host
}

// requestToken finds the token a request carries, if any. The scheme of
// the Authorization header ignores case (RFC 9110, section 11.1).
func requestToken(r *http.Request) string {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
	}
	if c, err := r.Cookie(tokenCookie); err == nil {
		return c.Value
	}
	return ""
}

func tokenEqual(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sameOrigin reports whether an Origin header names the host the request
// was sent to, so that a page of another site cannot open our websocket
// with the user's cookie.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, host)
}

func isIPHost(hostport string) bool {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = hostport
	}
	return net.ParseIP(strings.Trim(h, "[]")) != nil
}

// quote shows untrusted header text safely inside an error message.
func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, `"`+s+`"`), "?")
}

// LoopbackHosts lists the Host values under which a server listening on addr
// can be reached from this machine.
func LoopbackHosts(addr net.Addr) []string {
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return nil
	}
	return []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port}
}
