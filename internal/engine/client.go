package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client speaks the few calls of the Docker Engine HTTP API that nsweb needs
// over one unix socket. Both dockerd and podman's compat service answer
// these paths without an API version prefix, each at its own default
// version, so no version negotiation is needed.
type client struct {
	socket  string
	http    *http.Client
	tr      *http.Transport
	timeout time.Duration // of one request/response that is not a stream
	maxBody int64         // cap on a list answer
	maxLine int           // cap on one event of the stream
}

func newClient(socket string, timeout time.Duration, maxBody int64, maxLine int) *client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: timeout}
			return d.DialContext(ctx, "unix", socket)
		},
		// The event stream's headers come at once (dockerd and podman both
		// flush them), so a long wait means a stuck engine.
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
		DisableCompression:    true,
	}
	return &client{
		socket:  socket,
		http:    &http.Client{Transport: tr},
		tr:      tr,
		timeout: timeout,
		maxBody: maxBody,
		maxLine: maxLine,
	}
}

// newLookupClient is a client for Enrich's occasional questions: it keeps
// no connection open between them, so an idle nsweb holds no goroutines
// or sockets for them.
func newLookupClient(socket string, timeout time.Duration) *client {
	c := newClient(socket, timeout, 0, 0)
	c.tr.DisableKeepAlives = true
	return c
}

// close drops idle connections so that no transport goroutine outlives the
// client.
func (c *client) close() { c.tr.CloseIdleConnections() }

// get sends GET path and returns the response when the status is 200.
func (c *client) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://engine"+path, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s on %s: %w", path, c.socket, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s on %s: %w", path, c.socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		err := fmt.Errorf("GET %s on %s: %s: %s", path, c.socket, resp.Status, bytes.TrimSpace(msg))
		if resp.StatusCode == http.StatusNotFound {
			err = fmt.Errorf("%w: %w", errNotFound, err)
		}
		return nil, err
	}
	return resp, nil
}

// errNotFound marks an answer 404: the engine does not know the container.
var errNotFound = errors.New("not found")

// ping asks the engine which it is. Podman's compat service marks its
// answers with a Libpod-Api-Version header (and "Libpod" in Server); dockerd
// does neither.
func (c *client) ping(ctx context.Context) (runtime string, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.get(ctx, "/_ping")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 512))
	if resp.Header.Get("Libpod-Api-Version") != "" || strings.Contains(strings.ToLower(resp.Header.Get("Server")), "libpod") {
		return RuntimePodman, nil
	}
	return RuntimeDocker, nil
}

// apiContainer is the part of one entry of GET /containers/json that nsweb
// uses.
type apiContainer struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Image  string            `json:"Image"`
	Labels map[string]string `json:"Labels"`
	State  string            `json:"State"`
}

// list returns every container the engine knows, running or not.
func (c *client) list(ctx context.Context) ([]apiContainer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	const path = "/containers/json?all=1"
	resp, err := c.get(ctx, path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", path, c.socket, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("read %s on %s: answer exceeds %d bytes", path, c.socket, c.maxBody)
	}
	var out []apiContainer
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("decode %s on %s: %w (answer begins %q)", path, c.socket, err, head(body))
	}
	return out, nil
}

// apiInspect is the part of GET /containers/{id}/json that nsweb uses. Its
// top-level Image is the image's ID; the name the container was started
// with, which the list calls Image, is Config.Image.
type apiInspect struct {
	ID     string `json:"Id"`
	Name   string `json:"Name"`
	Config struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
}

// inspect asks the engine about one container, for a container that
// cgroups show before the engine's events have named it. A container the
// engine does not know is an error wrapping errNotFound.
func (c *client) inspect(ctx context.Context, id string) (apiContainer, error) {
	path := "/containers/" + url.PathEscape(id) + "/json"
	resp, err := c.get(ctx, path)
	if err != nil {
		return apiContainer{}, err
	}
	defer resp.Body.Close()
	const maxInspect = 4 << 20 // labels and mounts, never more than this
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInspect+1))
	if err != nil {
		return apiContainer{}, fmt.Errorf("read %s on %s: %w", path, c.socket, err)
	}
	if len(body) > maxInspect {
		return apiContainer{}, fmt.Errorf("read %s on %s: answer exceeds %d bytes", path, c.socket, maxInspect)
	}
	var in apiInspect
	if err := json.Unmarshal(body, &in); err != nil {
		return apiContainer{}, fmt.Errorf("decode %s on %s: %w (answer begins %q)", path, c.socket, err, head(body))
	}
	return apiContainer{ID: in.ID, Names: []string{in.Name}, Image: in.Config.Image, Labels: in.Config.Labels}, nil
}

// apiEvent is one message of GET /events. Docker sets Action and the old
// status/id fields; podman's compat service the same, with its own action
// names (died, remove, cleanup, …).
type apiEvent struct {
	Type   string `json:"Type"`
	Action string `json:"Action"`
	Status string `json:"status"`
	ID     string `json:"id"`
	Actor  struct {
		ID         string            `json:"ID"`
		Attributes map[string]string `json:"Attributes"`
	} `json:"Actor"`
}

// containerID is the container the event is about.
func (e *apiEvent) containerID() string {
	if e.Actor.ID != "" {
		return e.Actor.ID
	}
	return e.ID
}

// action is what happened, in the engine's own word.
func (e *apiEvent) action() string {
	if e.Action != "" {
		return e.Action
	}
	return e.Status
}

// eventStream is an open GET /events answer.
type eventStream struct {
	socket  string
	body    io.ReadCloser
	r       *bufio.Reader
	maxLine int
}

// events subscribes to container events. It returns once the engine has
// sent the answer's headers, which both engines do right after registering
// the subscriber: events from then on are not lost.
func (c *client) events(ctx context.Context) (*eventStream, error) {
	path := "/events?filters=" + url.QueryEscape(`{"type":["container"]}`)
	resp, err := c.get(ctx, path)
	if err != nil {
		return nil, err
	}
	return &eventStream{socket: c.socket, body: resp.Body, r: newReader(resp.Body), maxLine: c.maxLine}, nil
}

// newReader buffers an event stream; events longer than the buffer are
// read in pieces up to maxLine.
func newReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }

func (s *eventStream) Close() error { return s.body.Close() }

// errMalformed marks an event line that is not the JSON we expect: the
// stream itself is still usable.
var errMalformed = errors.New("malformed event")

// next reads the next event. Engines write one JSON object per line. A line
// that does not decode returns an error wrapping errMalformed; a line longer
// than maxLine or a broken stream returns another error and the stream must
// be dropped.
func (s *eventStream) next() (apiEvent, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return apiEvent{}, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var ev apiEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return apiEvent{}, fmt.Errorf("event stream of %s: %w: %v (line begins %q)", s.socket, errMalformed, err, head(line))
		}
		return ev, nil
	}
}

func (s *eventStream) readLine() ([]byte, error) {
	var line []byte
	for {
		frag, err := s.r.ReadSlice('\n')
		if len(line)+len(frag) > s.maxLine {
			return nil, fmt.Errorf("event stream of %s: event longer than %d bytes", s.socket, s.maxLine)
		}
		line = append(line, frag...)
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(bytes.TrimSpace(line)) > 0 {
				return line, nil
			}
			return nil, fmt.Errorf("event stream of %s: closed by the engine: %w", s.socket, io.EOF)
		default:
			return nil, fmt.Errorf("event stream of %s: %w", s.socket, err)
		}
	}
}

// head returns the start of b for an error message.
func head(b []byte) string {
	const n = 64
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
