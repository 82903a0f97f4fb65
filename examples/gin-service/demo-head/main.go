// Command gin-service is the small Gin API from the memleak-action scenario:
// GET /time and POST /users, with net/http/pprof exposed so the action can
// profile it under load.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// cache remembers every /time response under a key that never repeats, and
// nothing ever deletes from it.
var (
	cacheMu sync.Mutex
	cache   = map[string][]byte{}
	served  atomic.Uint64
)

type user struct {
	Name string `json:"name" binding:"required"`
}

func main() {
	gin.SetMode(gin.ReleaseMode)
	// gin.New rather than gin.Default: no per-request log line under load.
	r := gin.New()
	r.Use(gin.Recovery())

	// Hand every /debug/pprof/ request to the handlers net/http/pprof registered.
	r.Any("/debug/pprof/*any", gin.WrapH(http.DefaultServeMux))

	r.GET("/time", func(c *gin.Context) {
		now := time.Now().Format(time.RFC3339)
		rememberResponse(now)
		c.JSON(http.StatusOK, gin.H{"time": now})
	})
	r.POST("/users", createUser)

	serve(r)
}

// rememberResponse leaks about 1 KiB per request: every call adds a map entry
// under a new key, and nothing ever evicts one, so the cache grows forever.
func rememberResponse(body string) {
	entry := make([]byte, 1024)
	copy(entry, body)
	key := "time-" + strconv.FormatUint(served.Add(1), 10)
	cacheMu.Lock()
	cache[key] = entry
	cacheMu.Unlock()
}

func createUser(c *gin.Context) {
	var u user
	if err := c.ShouldBindJSON(&u); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	c.JSON(http.StatusCreated, u)
}

// serve listens on :$PORT (default 8080) until SIGTERM or Ctrl-C, then lets
// in-flight requests finish.
func serve(h http.Handler) {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{Addr: ":" + port, Handler: h, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()

	log.Printf("listening on :%s", port)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-drained // ListenAndServe returns at once on Shutdown; wait for in-flight requests
}
