// Command bare is the baseline for the module-page benchmark in
// .ci/bench/http.sh: the least a module page must do. It checks the
// learner's session cookie as the app does (app.Accounts.SessionUser on
// the app's store: the session with its user, and the idle expiry
// extended at most every 30 seconds), reads that learner's saved answers
// to one module through the same store (GORM, same settings and pool), and
// answers them as JSON through Fiber with the app's gzip middleware. No
// CSRF, progress, course or template. It is built only when named:
// go build ./.ci/bench/bare
//
//	DATABASE_URL=postgres://… PORT=18081 COURSE_ID=… MODULE_ID=… ./bare
//	GET /answers  (Cookie: foundations_session=…)  → {"m1-pre-birth": {...}, ...}
package main

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

func main() {
	url, port := os.Getenv("DATABASE_URL"), os.Getenv("PORT")
	course, module := os.Getenv("COURSE_ID"), os.Getenv("MODULE_ID")
	if url == "" || port == "" || course == "" || module == "" {
		log.Fatal("set DATABASE_URL, PORT, COURSE_ID and MODULE_ID")
	}
	st, err := store.Open(url, "")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	accounts := &app.Accounts{Store: st, Now: time.Now, IdleTimeout: 30 * time.Minute, MaxAge: 12 * time.Hour}

	f := fiber.New(fiber.Config{DisableStartupMessage: true, Immutable: true})
	f.Use(compress.New(compress.Config{Level: compress.LevelDefault}))
	f.Get("/answers", func(c *fiber.Ctx) error {
		_, u, err := accounts.SessionUser(c.UserContext(), c.Cookies("foundations_session"))
		if app.ErrorCode(err) == app.EUNAUTHORIZED {
			return fiber.ErrUnauthorized
		}
		if err != nil {
			return fmt.Errorf("session: %w", err)
		}
		answers, err := st.Answers(c.UserContext(), app.ModuleKey{UserID: u.ID, CourseID: course, ModuleID: module})
		if err != nil {
			return fmt.Errorf("answers for user %d: %w", u.ID, err)
		}
		return c.JSON(answers)
	})
	log.Fatal(f.Listen("127.0.0.1:" + port))
}
