// Command bare is the baseline for the module-page benchmark in
// .ci/bench/http.sh: the least a module page must do, read one learner's
// saved answers through the app's store (GORM, same settings and pool as
// the app), served as JSON by Fiber with no session, CSRF, progress or
// template. It is built only when named: go build ./.ci/bench/bare
//
//	DATABASE_URL=postgres://… PORT=18081 ./bare
//	GET /answers/<user-id>  → {"m1-pre-birth": {...}, ...}
package main

import (
	"fmt"
	"log"
	"os"
	"strconv"

	"github.com/foundations/foundations/app/store"
	"github.com/gofiber/fiber/v2"
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

	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Get("/answers/:user", func(c *fiber.Ctx) error {
		uid, err := strconv.ParseInt(c.Params("user"), 10, 64)
		if err != nil {
			return fiber.ErrBadRequest
		}
		answers, err := st.Answers(c.UserContext(), uid, course, module)
		if err != nil {
			return fmt.Errorf("answers for user %d: %w", uid, err)
		}
		return c.JSON(answers)
	})
	log.Fatal(f.Listen("127.0.0.1:" + port))
}
