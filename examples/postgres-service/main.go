// Command postgres-service is a small API backed by Postgres, to show
// memleak-action on a service that needs a database: GET /users/{id} reads a
// user, POST /users inserts one, both behind a bearer token. Its settings come
// from the environment (DATABASE_URL, DB_PASSWORD, API_TOKEN) and its address
// from -listen, as many real services take them.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

type user struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	flag.Parse()

	// The password comes on its own (a secret), the rest of the address in DATABASE_URL.
	dsn, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil || dsn.Host == "" {
		log.Fatal("DATABASE_URL: expected postgres://user@host:port/db")
	}
	dsn.User = url.UserPassword(dsn.User.Username(), os.Getenv("DB_PASSWORD"))
	db, err := sql.Open("pgx", dsn.String())
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(16)
	if err := db.Ping(); err != nil {
		log.Fatalf("database: %v", err)
	}

	token := "Bearer " + os.Getenv("API_TOKEN")
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != token {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", auth(func(w http.ResponseWriter, r *http.Request) {
		var u user
		err := db.QueryRowContext(r.Context(), "SELECT id, name FROM users WHERE id = $1", r.PathValue("id")).
			Scan(&u.ID, &u.Name)
		if errors.Is(err, sql.ErrNoRows) {
			http.NotFound(w, r)
			return
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(u)
	}))
	mux.HandleFunc("POST /users", auth(func(w http.ResponseWriter, r *http.Request) {
		var u user
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil || u.Name == "" {
			http.Error(w, `expected {"name": "..."}`, http.StatusBadRequest)
			return
		}
		err := db.QueryRowContext(r.Context(), "INSERT INTO users (name) VALUES ($1) RETURNING id", u.Name).Scan(&u.ID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(u)
	}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Printf("listening on http://%s", *listen)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
