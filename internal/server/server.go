// Package server is renkei's HTTP server: health, readiness and metrics
// endpoints, the console page and its JSON API, an admin reload endpoint,
// and a mount point for the Slack and LINE webhooks. It owns timeouts,
// body limits, panic recovery and request logging for all of them.
//
// It must not know how answers are made or how platforms are called: it
// is given a bot, a recorder and handlers.
package server

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/store"
)

//go:embed console
var consoleFiles embed.FS

// Recorder stores what the bureau's report needs. Methods fail with an
// error recognised by store.IsUnavailable when storage is down.
type Recorder interface {
	Ping(ctx context.Context) error
	AddFeedback(ctx context.Context, f store.Feedback) error
	Report(ctx context.Context, since time.Time, limit int) (store.Report, error)
}

// Asker answers a question from a platform (and records it), with the
// corpus answering now.
type Asker interface {
	Ask(ctx context.Context, platform, question string, now time.Time) bot.Reply
	Corpus() *corpus.Corpus
}

// Options configures a Server. Zero durations and limits take defaults.
type Options struct {
	Addr              string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	BodyLimit         int64

	Console      bool   // serve the console page and its API
	ConsoleToken string // required on /api and /admin when set
	DigestDays   int    // default horizon of the digest preview
}

// Server serves renkei over HTTP.
type Server struct {
	opts    Options
	asker   Asker
	rec     Recorder // nil: nothing is stored
	metrics *metrics.Metrics
	log     *slog.Logger
	now     func() time.Time
	reload  func(context.Context) error
	mux     *http.ServeMux
}

// New makes a server. rec, m and reload may be nil; now nil means time.Now.
func New(opts Options, asker Asker, rec Recorder, m *metrics.Metrics, log *slog.Logger, now func() time.Time, reload func(context.Context) error) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = 1 << 20
	}
	if opts.DigestDays <= 0 {
		opts.DigestDays = 14
	}
	s := &Server{opts: opts, asker: asker, rec: rec, metrics: m, log: log, now: now, reload: reload, mux: http.NewServeMux()}
	s.routes()
	return s
}

// Mount adds a handler (the Slack and LINE webhooks) behind the server's
// middleware.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics.Handler())
	s.mux.HandleFunc("POST /admin/reload", s.admin(s.handleReload))
	if !s.opts.Console {
		return
	}
	static, _ := fs.Sub(consoleFiles, "console")
	files := http.FileServerFS(static)
	s.mux.Handle("GET /{$}", files)
	s.mux.Handle("GET /app.js", files)
	s.mux.Handle("GET /style.css", files)
	s.mux.HandleFunc("POST /api/ask", s.admin(s.handleAsk))
	s.mux.HandleFunc("POST /api/feedback", s.admin(s.handleFeedback))
	s.mux.HandleFunc("GET /api/digest", s.admin(s.handleDigest))
	s.mux.HandleFunc("GET /api/report", s.admin(s.handleReport))
}

// Handler is the server's routes behind recovery, logging and body limits.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.logger(secureHeaders(s.limitBody(s.mux))))
}

// Run listens on opts.Addr until ctx is cancelled, then stops accepting,
// waits for in-flight requests (up to ShutdownTimeout) and returns.
// ready, when not nil, receives the bound address once listening.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.opts.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: orDefault(s.opts.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       orDefault(s.opts.ReadTimeout, 10*time.Second),
		WriteTimeout:      orDefault(s.opts.WriteTimeout, 30*time.Second),
		IdleTimeout:       orDefault(s.opts.IdleTimeout, 120*time.Second),
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), orDefault(s.opts.ShutdownTimeout, 10*time.Second))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"corpus": "ok", "store": "ok"}
	code := http.StatusOK
	if s.asker == nil || s.asker.Corpus() == nil {
		status["corpus"], code = "not loaded", http.StatusServiceUnavailable
	}
	switch {
	case s.rec == nil:
		status["store"] = "disabled"
	default:
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.rec.Ping(ctx); err != nil {
			s.log.WarnContext(r.Context(), "readyz: store unavailable", "err", err)
			status["store"], code = "unavailable", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, status)
}

// admin guards the console API and admin endpoints: with a token
// configured, requests must carry it; without one, the server listens on
// loopback only (config validation enforces it).
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.ConsoleToken == "" && !loopbackHost(r.Host) {
			// Without a token the server listens on loopback only; a
			// request naming another host is a browser tricked by DNS
			// rebinding into reading the console's API.
			s.metrics.WebhookRejected("console", "host")
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "このホスト名ではアクセスできません。"})
			return
		}
		if s.opts.ConsoleToken != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.ConsoleToken)) != 1 {
				s.metrics.WebhookRejected("console", "token")
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "トークンが必要です。"})
				return
			}
		}
		h(w, r)
	}
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	if s.reload == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]string{"error": "再読み込みは無効です。"})
		return
	}
	if err := s.reload(r.Context()); err != nil {
		s.log.ErrorContext(r.Context(), "reload failed; the previous corpus keeps serving", "err", err)
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "文書を読み込めませんでした。以前の内容で応答を続けます（理由はサーバのログにあります）。"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secureHeaders are sent with every response: the console loads nothing
// from elsewhere and may not be framed.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logger logs one line a request: method, route, status, duration. Never
// bodies, query strings, tokens or signatures.
func (s *Server) logger(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.metrics.HTTPRequest(route, sw.code)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "status", sw.code,
			"ms", float64(time.Since(start).Microseconds())/1000, "bytes_in", r.ContentLength)
	})
}

// recoverer turns a panic into a 500 that leaks nothing, and logs it.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "内部エラーが発生しました。"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody rejects bodies over the limit with 413: at once when the
// length is declared, and while reading otherwise (see readBody).
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.opts.BodyLimit {
			s.metrics.WebhookRejected(platformOf(r.URL.Path), "too_large")
			s.log.WarnContext(r.Context(), "request body over the limit", "path", r.URL.Path, "length", r.ContentLength, "limit", s.opts.BodyLimit)
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "リクエストが大きすぎます。"})
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.BodyLimit)
		}
		next.ServeHTTP(w, r)
	})
}

// platformOf names the platform of a path for rejection metrics.
func platformOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/slack/"):
		return "slack"
	case strings.HasPrefix(path, "/line/"):
		return "line"
	}
	return "console"
}

// IsTooLarge reports whether err came from reading a body over the limit.
func IsTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
