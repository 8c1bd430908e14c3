package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// DemoOptions configures Demo.
type DemoOptions struct {
	Learners int       // learner accounts to create, managers included
	Now      time.Time // the moment the data leads up to; every date is before it
	Seed     int64     // the same seed gives the same people, answers and dates
	// Password is every demo account's password. It is hashed once and the
	// hash shared: argon2 for each of 100,000 accounts would take an hour.
	Password string
	// Append allows adding demo data to a database that already has users.
	Append         bool
	Partnership    string // printed on certificates
	ValidityMonths int    // certificate validity; the course's own if zero
	// Progress, if set, is called after each batch with learners written so far.
	Progress func(done, total int)
}

// DemoSummary is what Demo created.
type DemoSummary struct {
	Organisations    int
	Learners         int // accounts with the learner role, managers included
	Managers         int
	Coordinators     int
	Attempts         int // module attempts
	Statuses         map[app.LearnerStatus]int
	CoordinatorEmail string // a coordinator to sign in as
	ManagerEmail     string // the manager with the most accepted staff
	ManagerStaff     int    // how many accepted staff that manager has
}

// demoBatch is how many learners one transaction writes: large enough to
// amortise each statement, small enough to keep a batch's rows in memory.
const demoBatch = 2000

// Demo fills the database with realistic demo data for course c:
// organisations, about 2% managers, one or two coordinators, and learners
// registered over the last three and a half years in every state, from
// not started to expired and revoked. It writes every table the real code
// paths write (summary rows, progress, answers, attempts with their
// answers, the pass-time histogram, evaluations with their totals,
// certificates, manager links, confirmations and the audit trail) in bulk
// (COPY on PostgreSQL, multi-row INSERTs on SQLite), one transaction per
// batch of learners, each batch consistent on its own. Answers are marked
// with app.ScoreModule, so every recorded pass really passes. On
// PostgreSQL it ends with VACUUM (ANALYZE), as autovacuum would.
//
// With at least 20 learners every app.LearnerStatus occurs. The data is
// the same for a seed, apart from certificate codes (always from the
// CSPRNG) and, when appending, the IDs. A database that already has users
// is refused (ECONFLICT) unless opt.Append is set. Demo is for demo and
// benchmark databases: do not run it against one that is serving people.
func (s *Store) Demo(ctx context.Context, c *app.Course, opt DemoOptions) (*DemoSummary, error) {
	if opt.Learners < 1 {
		return nil, app.Errorf(app.EINVALID, "Ask for at least one demo learner.")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Microsecond)
	if opt.ValidityMonths == 0 {
		opt.ValidityMonths = c.ValidityMonths
	}
	db := s.db.WithContext(ctx)
	var users int64
	if err := db.Raw(`SELECT COUNT(*) FROM users`).Scan(&users).Error; err != nil {
		return nil, wrap(err, "count users")
	}
	if users > 0 && !opt.Append {
		return nil, app.Errorf(app.ECONFLICT, "The database already has %d users, and demo data goes into an empty database.", users)
	}
	d := newDemo(c, opt)
	if err := d.setup(ctx, s); err != nil {
		return nil, err
	}
	for start := 0; start < opt.Learners; start += demoBatch {
		end := min(start+demoBatch, opt.Learners)
		batch := make([]*demoLearner, 0, end-start)
		for i := start; i < end; i++ {
			batch = append(batch, d.plan(i))
		}
		err := s.inBulkTx(ctx, func(w bulkWriter) error { return d.writeBatch(ctx, w, batch) })
		if err != nil {
			return nil, fmt.Errorf("demo learners %d to %d: %w", start+1, end, err)
		}
		if opt.Progress != nil {
			opt.Progress(end, opt.Learners)
		}
	}
	if s.postgres {
		// As autovacuum would soon after a bulk load: statistics for the
		// planner, and the visibility map that lets index-only scans skip
		// the tables. VACUUM cannot run in a transaction, nor prepared.
		err := s.withPgx(ctx, func(conn *pgx.Conn) error {
			_, err := conn.PgConn().Exec(ctx, `VACUUM (ANALYZE) users, enrolments, module_progress, answers, attempts, attempt_answers,
				evaluations, evaluation_responses, certificates, manager_links, confirmations, audit_log, module_minutes, evaluation_totals`).ReadAll()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("vacuum after the demo data: %w", err)
		}
	}
	return d.summary(), nil
}

// demoOrg is one organisation of the demo partnership.
type demoOrg struct {
	name, domain string
	kind         *orgKind
	weight       float64
	id           int64
	managers     []*demoLearner
}

// orgKind is a type of agency: the job roles of its staff and managers.
type orgKind struct{ roles, managerRoles []string }

var (
	kindSchool = &orgKind{
		[]string{"Class teacher", "Class teacher", "Teaching assistant", "Teaching assistant", "Designated safeguarding lead", "Learning mentor", "Pastoral lead", "SENCo", "Midday supervisor", "School business manager"},
		[]string{"Headteacher", "Deputy headteacher", "Assistant headteacher"}}
	kindCollege = &orgKind{
		[]string{"Lecturer", "Lecturer", "Student support officer", "Safeguarding officer", "Careers adviser", "Learning support assistant"},
		[]string{"Head of student services", "Curriculum manager"}}
	kindEarlyYears = &orgKind{
		[]string{"Nursery practitioner", "Nursery practitioner", "Room leader", "Childminder", "Early years teacher", "Apprentice practitioner"},
		[]string{"Nursery manager", "Deputy nursery manager"}}
	kindHospital = &orgKind{
		[]string{"Staff nurse", "Staff nurse", "Children's nurse", "Midwife", "Junior doctor", "Healthcare assistant", "Emergency department nurse", "Safeguarding nurse", "Play specialist", "Paramedic"},
		[]string{"Ward manager", "Matron", "Named nurse for safeguarding", "Consultant paediatrician"}}
	kindCommunityHealth = &orgKind{
		[]string{"Health visitor", "Health visitor", "School nurse", "Community staff nurse", "Community nursery nurse", "Family nurse", "Speech and language therapist"},
		[]string{"Health visiting team leader", "School nursing team leader"}}
	kindGP = &orgKind{
		[]string{"GP", "Practice nurse", "Receptionist", "Healthcare assistant", "Practice pharmacist"},
		[]string{"Practice manager", "GP partner"}}
	kindMentalHealth = &orgKind{
		[]string{"Mental health nurse", "Clinical psychologist", "Support worker", "Occupational therapist", "CAMHS practitioner", "Psychiatrist"},
		[]string{"Team manager", "Clinical lead"}}
	kindPolice = &orgKind{
		[]string{"Police constable", "Police constable", "Police constable", "PCSO", "Detective constable", "Call handler", "Public protection officer", "Custody officer"},
		[]string{"Sergeant", "Detective sergeant", "Inspector"}}
	kindProbation = &orgKind{
		[]string{"Probation officer", "Probation services officer", "Case administrator", "Victim liaison officer"},
		[]string{"Senior probation officer"}}
	kindSocialCare = &orgKind{
		[]string{"Social worker", "Social worker", "Senior social worker", "Family support worker", "Personal adviser", "Contact supervisor", "Residential care worker", "Independent reviewing officer"},
		[]string{"Team manager", "Practice manager", "Service manager"}}
	kindEarlyHelp = &orgKind{
		[]string{"Early help practitioner", "Family support worker", "Parenting practitioner", "Family hub worker"},
		[]string{"Early help team leader"}}
	kindAdultCare = &orgKind{
		[]string{"Social worker", "Occupational therapist", "Care coordinator", "Reablement worker"},
		[]string{"Team manager"}}
	kindHousing = &orgKind{
		[]string{"Housing officer", "Tenancy support officer", "Neighbourhood officer", "Homelessness prevention officer"},
		[]string{"Housing manager"}}
	kindSubstance = &orgKind{
		[]string{"Recovery worker", "Young people's substance use worker", "Nurse prescriber", "Peer mentor"},
		[]string{"Service manager"}}
	kindDomesticAbuse = &orgKind{
		[]string{"Independent domestic violence adviser", "Refuge worker", "Children's worker", "Helpline worker"},
		[]string{"Service manager"}}
	kindYouth = &orgKind{
		[]string{"Youth worker", "Detached youth worker", "Youth justice officer", "Sports coach"},
		[]string{"Youth service manager"}}
	kindVoluntary = &orgKind{
		[]string{"Volunteer", "Volunteer", "Coach", "Family centre worker", "Youth leader", "Church youth worker"},
		[]string{"Centre manager", "Club welfare officer", "Safeguarding lead"}}
	kindOther = &orgKind{
		[]string{"Administrator", "Receptionist", "Dentist", "Dental nurse", "Optometrist", "Pharmacist", "Librarian"},
		[]string{"Manager"}}
)

// demoOrganisations are the fictional Eastshire partnership's agencies,
// largest and most typical first: a small demo takes the first few.
var demoOrganisations = []demoOrg{
	{name: "Eastshire County Council Children's Services", domain: "eastshire-childrens.example", kind: kindSocialCare, weight: 10},
	{name: "Eastshire Police", domain: "eastshire-police.example", kind: kindPolice, weight: 9},
	{name: "City Hospital NHS Trust", domain: "cityhospital-nhs.example", kind: kindHospital, weight: 9},
	{name: "Eastshire Community Health NHS Trust", domain: "eastshire-communityhealth.example", kind: kindCommunityHealth, weight: 6},
	{name: "Northfield Primary School", domain: "northfield-primary.example", kind: kindSchool, weight: 1.2},
	{name: "Castlegate Academy", domain: "castlegate-academy.example", kind: kindSchool, weight: 2.5},
	{name: "Eastshire County Council Early Help", domain: "eastshire-earlyhelp.example", kind: kindEarlyHelp, weight: 3},
	{name: "Brookside Medical Practice", domain: "brookside-medical.example", kind: kindGP, weight: 1},
	{name: "Eastshire College", domain: "eastshire-college.example", kind: kindCollege, weight: 2.5},
	{name: "Little Acorns Day Nursery", domain: "littleacorns-nursery.example", kind: kindEarlyYears, weight: 0.6},
	{name: "Eastshire and Wyvern Mental Health NHS Foundation Trust", domain: "ewmh-nhs.example", kind: kindMentalHealth, weight: 4},
	{name: "Probation Service, Eastshire", domain: "eastshire-probation.example", kind: kindProbation, weight: 2},
	{name: "Eastshire County Council Adult Social Care", domain: "eastshire-adults.example", kind: kindAdultCare, weight: 3},
	{name: "Riverside Homes Housing Association", domain: "riverside-homes.example", kind: kindHousing, weight: 1.5},
	{name: "Safe Haven Domestic Abuse Service", domain: "safehaven-da.example", kind: kindDomesticAbuse, weight: 0.6},
	{name: "Pathways Drug and Alcohol Service", domain: "pathways-recovery.example", kind: kindSubstance, weight: 0.8},
	{name: "Eastshire Youth Service", domain: "eastshire-youth.example", kind: kindYouth, weight: 1},
	{name: "Open Door Family Centre", domain: "opendoor-familycentre.example", kind: kindVoluntary, weight: 0.5},
	{name: "St Anne's Church of England Primary School", domain: "stannes-primary.example", kind: kindSchool, weight: 1},
	{name: "Westbrook High School", domain: "westbrook-high.example", kind: kindSchool, weight: 2},
	{name: "Hollowmere Special School", domain: "hollowmere-school.example", kind: kindSchool, weight: 0.8},
	{name: "Market Street Surgery", domain: "marketstreet-surgery.example", kind: kindGP, weight: 0.8},
	{name: "Northfield Rangers Football Club", domain: "northfield-rangers.example", kind: kindVoluntary, weight: 0.4},
	{name: "Sunflower Childminding Network", domain: "sunflower-childminding.example", kind: kindEarlyYears, weight: 0.5},
}

// demoPlaces and demoPlaceKinds make the many smaller agencies of a large demo.
var demoPlaces = []string{"Ashby Vale", "Kingsmead", "Larkhill", "Millbrook", "Oakwood", "Pennington", "Queensbridge", "Redcliffe",
	"Stonebridge", "Thornbury", "Upton Marsh", "Whitmore", "Yarrow Green", "Elmstead", "Fairfield", "Greyfriars", "Hartwell",
	"Ivybridge Lane", "Juniper Hill", "Kestrel Park", "Lowther", "Moorside", "Netherfield", "Orchard Vale"}

var demoPlaceKinds = []struct {
	suffix string
	kind   *orgKind
	weight float64
}{
	{"Primary School", kindSchool, 1}, {"Surgery", kindGP, 0.7}, {"Day Nursery", kindEarlyYears, 0.5},
	{"Junior School", kindSchool, 0.8}, {"Family Hub", kindEarlyHelp, 0.6}, {"High School", kindSchool, 1.8},
}

// demoPartnership is where the coordinators work.
const demoPartnership = "Eastshire Safeguarding Children Partnership"

var demoFirstNames = []string{"Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Emily", "Chloé", "Zoë", "Siân", "Niamh",
	"Aisha", "Fatima", "Priya", "Anjali", "Mei", "Yasmin", "Hannah", "Rebecca", "Laura", "Claire", "Sarah", "Joanne", "Nicola",
	"Gemma", "Kerry", "Donna", "Bethany", "Ewa", "Agnieszka", "Ama", "Chioma", "Roisin", "Catrin", "Eilidh", "Leah", "Jade",
	"Oliver", "George", "Harry", "Jack", "Noah", "Mohammed", "Omar", "Ravi", "Arjun", "Daniel", "James", "Thomas", "Matthew",
	"Liam", "Connor", "Rhys", "Dafydd", "Callum", "Kwame", "Tunde", "Łukasz", "Piotr", "José", "Mateo", "Stuart", "Gareth",
	"Paul", "Mark", "David", "Andrew", "Ian", "Samuel", "Ethan", "Kieran"}

var demoLastNames = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
	"Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke", "Jackson", "Wood", "Harris",
	"Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker",
	"Khan", "Ahmed", "Hussain", "Begum", "Ali", "Shah", "Singh", "Kaur", "Chowdhury", "Okafor", "Mensah", "Adeyemi", "Nowak",
	"Kowalski", "Wiśniewska", "O'Brien", "O'Connor", "Murphy", "Kelly", "MacLeod", "Ní Bhriain", "Rees", "Pritchard", "Llewellyn",
	"Chen", "Wong", "Nguyen", "Silva", "Costa", "García", "Fernandes", "Campbell", "Stewart", "Morgan", "Bennett", "Price"}

var demoReflections = []string{
	"In my role I see children every week but rarely think about the whole picture. I will start keeping a short chronology when I notice small things.",
	"I will talk to our designated safeguarding lead sooner when I am worried, rather than waiting for something bigger to happen.",
	"This made me think about a family I work with where I had got used to the state of the home. I will raise it in supervision.",
	"I want to ask children what a normal day is like for them, instead of relying on what their parents tell me.",
	"I had not understood how neglect builds up over time. I will look back over my records before I decide something is a one-off.",
	"I will use the neglect tool with the next family I am concerned about and share it with the health visitor.",
	"Poverty and neglect are not the same thing. I will be more careful to separate what a family cannot afford from what a child is missing.",
	"I will make sure I record what I see and hear, with dates, and share it with the right people.",
}

var demoComments = []string{
	"Really useful and easy to fit around work.",
	"The scenarios were the most helpful part; they felt like real cases.",
	"I will share the lived experience module with my team.",
	"A bit long for one sitting, but being able to save and come back helped.",
	"Good refresher. I would like more on working with teenagers.",
	"Clear and practical. The local contacts were helpful.",
	"I now understand when and how to escalate a concern.",
	"I will use a chronology much more.",
	"Some questions were tricky but the explanations made sense.",
	"More examples from early years settings would help.",
}

var demoNotes = []string{"", "", "", "Discussed in supervision.", "Certificate seen.", "Talked through the learning at our team meeting.",
	"Completed as part of induction.", "Good reflections on the module about lived experience."}

var demoRevokeReasons = []string{
	"Issued in error: the modules were completed on a shared account.",
	"Duplicate account: the learner's training is recorded on their other account.",
	"The learner asked for their record to be corrected before a new certificate is issued.",
}

// demoForced are the states of the first learners after the managers, so
// that every status exists even in a small demo.
var demoForced = []app.LearnerStatus{app.LearnerNotStarted, app.LearnerInProgress, app.LearnerCompleted, app.LearnerConfirmed,
	app.LearnerRefresherDue, app.LearnerExpired, app.LearnerRevoked}

// questionProfile is how a question behaves in the demo: how often it is
// right at the first try, and the wrong option people find attractive.
type questionProfile struct {
	ease       float64
	attractive string // a wrong option ID, or ""
}

type demo struct {
	rng          *rand.Rand
	c            *app.Course
	opt          DemoOptions
	hash         string
	orgs         []*demoOrg
	orgWeights   []float64
	managers     []*demoLearner
	numManagers  int
	managerOrg   []int // for each manager, its organisation
	questions    map[string]questionProfile
	modulesJSON  string
	coordinators []demoCoordinator
	statuses     map[app.LearnerStatus]int
	attempts     int
}

type demoCoordinator struct {
	id    int64
	email string
}

// demoLearner is one person's plan: who they are and what they did when.
type demoLearner struct {
	first, last   string
	org           *demoOrg
	jobRole       string
	isManager     bool
	manager       *demoLearner // the demo manager they named
	managerEmail  string       // when they named someone without an account
	acceptedAt    *time.Time   // when the manager accepted them
	registered    time.Time
	modules       []*demoModule
	completedAt   *time.Time
	ratings       map[string]int
	comments      map[string]string
	confirmedAt   *time.Time
	note          string
	revokedAt     *time.Time
	revokedReason string
	staff         int // for a manager: accepted staff

	id    int64 // set when the batch is written
	email string
}

type demoModule struct {
	m          *app.Module
	startedAt  time.Time
	lastSeenAt time.Time
	seconds    int
	attempts   []demoAttempt
	passedAt   *time.Time
	answers    app.Answers // the current answers, as the answers table keeps them
	answersAt  time.Time
}

type demoAttempt struct {
	at      time.Time
	answers app.Answers
	score   app.Score
}

func newDemo(c *app.Course, opt DemoOptions) *demo {
	d := &demo{rng: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5afe6a4d)), c: c, opt: opt,
		questions: map[string]questionProfile{}, statuses: map[app.LearnerStatus]int{}}
	mods, _ := json.Marshal(c.ModuleTitles())
	d.modulesJSON = string(mods)
	for _, m := range c.Modules {
		for _, q := range m.Questions() {
			if !q.Scored() {
				continue
			}
			u := d.rng.Float64()
			p := questionProfile{ease: 0.97 - 0.38*u*u}
			var wrong []string
			for _, o := range q.Options {
				if !o.Correct {
					wrong = append(wrong, o.ID)
				}
			}
			if len(wrong) > 0 {
				p.attractive = wrong[d.rng.IntN(len(wrong))]
			}
			d.questions[q.ID] = p
		}
	}
	return d
}

// setup hashes the password, creates the organisations and the coordinators,
// and decides how many managers each organisation has.
func (d *demo) setup(ctx context.Context, s *Store) error {
	d.hash = app.HashPassword(d.opt.Password)
	n := d.opt.Learners
	numOrgs := min(max(6+n/1500, 6), len(demoOrganisations)+len(demoPlaces)*len(demoPlaceKinds)/3)
	for i := 0; len(d.orgs) < numOrgs; i++ {
		var o demoOrg
		if i < len(demoOrganisations) {
			o = demoOrganisations[i]
		} else {
			j := i - len(demoOrganisations)
			pk := demoPlaceKinds[j%len(demoPlaceKinds)]
			place := demoPlaces[(j/len(demoPlaceKinds)+j)%len(demoPlaces)]
			o = demoOrg{name: place + " " + pk.suffix, kind: pk.kind, weight: pk.weight}
			o.domain = demoSlug(o.name) + ".example"
		}
		if slices.ContainsFunc(d.orgs, func(x *demoOrg) bool { return x.name == o.name }) {
			continue
		}
		d.orgs = append(d.orgs, &o)
	}
	d.orgs = append(d.orgs, &demoOrg{name: "Other", domain: "mail.example", kind: kindOther, weight: 1.5})
	names := []string{demoPartnership}
	for _, o := range d.orgs {
		names = append(names, o.name)
		d.orgWeights = append(d.orgWeights, o.weight)
	}
	if err := s.EnsureOrganisations(ctx, names); err != nil {
		return err
	}
	existing, err := s.Organisations(ctx)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, o := range existing {
		ids[strings.ToLower(o.Name)] = o.ID
	}
	for _, o := range d.orgs {
		o.id = ids[strings.ToLower(o.name)]
	}

	// About 2% managers, at least one in each organisation while there are
	// enough people; each organisation's share follows its size.
	d.numManagers = min(max((n+49)/50, len(d.orgs)), n/5)
	for i := range d.orgs {
		if i < d.numManagers {
			d.managerOrg = append(d.managerOrg, i)
		}
	}
	for len(d.managerOrg) < d.numManagers {
		d.managerOrg = append(d.managerOrg, d.pickOrg())
	}

	coordinators := 1
	if n >= 1000 {
		coordinators = 2
	}
	coordNames := [][2]string{{"Grace", "Adeyemi"}, {"Tom", "Whitfield"}}
	for k := 1; k <= coordinators; k++ {
		email := fmt.Sprintf("coordinator%d@demo.example", k)
		if u, err := s.UserByEmail(ctx, email); err == nil {
			d.coordinators = append(d.coordinators, demoCoordinator{id: u.ID, email: email})
			continue
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return err
		}
		u := &app.User{Name: coordNames[k-1][0] + " " + coordNames[k-1][1], Email: email, EmailNorm: email, PasswordHash: d.hash,
			OrganisationID: ids[strings.ToLower(demoPartnership)], JobRole: "Safeguarding training coordinator",
			Roles: []string{app.RoleLearner, app.RoleCoordinator}, CreatedAt: d.opt.Now.AddDate(0, -43, 0)}
		u.EmailVerifiedAt = &u.CreatedAt
		if err := s.CreateUser(ctx, u); err != nil {
			return err
		}
		d.coordinators = append(d.coordinators, demoCoordinator{id: u.ID, email: email})
	}
	return nil
}

func (d *demo) pickOrg() int {
	var total float64
	for _, w := range d.orgWeights {
		total += w
	}
	x := d.rng.Float64() * total
	for i, w := range d.orgWeights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(d.orgWeights) - 1
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (d *demo) chance(p float64) bool { return d.rng.Float64() < p }

// exp is an exponentially distributed duration with the given mean.
func (d *demo) exp(mean time.Duration) time.Duration {
	return time.Duration(d.rng.ExpFloat64() * float64(mean))
}

func ptr(t time.Time) *time.Time { return &t }

// plan decides everything about learner i. Managers come first, so every
// learner's manager exists before them.
func (d *demo) plan(i int) *demoLearner {
	now := d.opt.Now
	l := &demoLearner{first: pick(d.rng, demoFirstNames), last: pick(d.rng, demoLastNames)}
	var force app.LearnerStatus
	if j := i - d.numManagers; j >= 0 && j < len(demoForced) && d.opt.Learners >= 20 {
		force = demoForced[j]
	}
	switch {
	case i < d.numManagers:
		l.isManager = true
		l.org = d.orgs[d.managerOrg[i]]
		l.jobRole = pick(d.rng, l.org.kind.managerRoles)
		d.managers = append(d.managers, l)
		l.org.managers = append(l.org.managers, l)
	case force != "" && len(d.managers) > 0:
		l.org = d.managers[0].org // in an organisation with a manager
	default:
		l.org = d.orgs[d.pickOrg()]
	}
	if !l.isManager {
		l.jobRole = pick(d.rng, l.org.kind.roles)
	}

	// Registered over the last three and a half years, more of them recently.
	window := now.Sub(now.AddDate(0, -42, 0))
	age := time.Duration(math.Pow(d.rng.Float64(), 1.25) * float64(window))
	if l.isManager { // set up early, before most of their staff
		age = time.Duration((0.6 + 0.4*d.rng.Float64()) * float64(window))
	}
	switch force {
	case app.LearnerNotStarted:
		age = 30 * 24 * time.Hour
	case app.LearnerInProgress:
		age = 120 * 24 * time.Hour
	case app.LearnerCompleted:
		age = 150 * 24 * time.Hour
	case app.LearnerConfirmed:
		age = 200 * 24 * time.Hour
	case app.LearnerRevoked:
		age = 300 * 24 * time.Hour
	case app.LearnerRefresherDue: // completes within hours, so expires in about 20 days
		age = now.Sub(now.AddDate(0, -d.opt.ValidityMonths, 20))
	case app.LearnerExpired:
		age = now.Sub(now.AddDate(0, -d.opt.ValidityMonths, -90))
	}
	l.registered = now.Add(-age - time.Hour - time.Duration(d.rng.IntN(3600))*time.Second)

	// Most name a manager from their organisation; most managers accept.
	if !l.isManager {
		r := d.rng.Float64()
		switch {
		case len(l.org.managers) > 0 && (r < 0.85 || force == app.LearnerConfirmed):
			l.manager = pick(d.rng, l.org.managers)
		case r < 0.9:
			l.managerEmail = demoEmailLocal(pick(d.rng, demoFirstNames)) + "." + demoEmailLocal(pick(d.rng, demoLastNames)) + "@" + l.org.domain
		}
		if l.manager != nil && (force != "" || d.chance(0.85)) {
			at := l.registered
			if l.manager.registered.After(at) {
				at = l.manager.registered
			}
			if force != "" {
				at = at.Add(24 * time.Hour)
			} else {
				at = at.Add(time.Hour + d.exp(4*24*time.Hour))
			}
			if !at.After(now) {
				l.acceptedAt = &at
				l.manager.staff++
			}
		}
	}

	fast := force != "" && force != app.LearnerNotStarted // keeps a forced learner's plan on schedule
	ability := d.rng.NormFloat64() * 0.06
	if force == app.LearnerNotStarted || (force == "" && !d.chance(0.85)) {
		return l
	}
	t := l.registered.Add(d.exp(8 * 24 * time.Hour))
	if fast || d.chance(0.4) {
		t = l.registered.Add(time.Minute + d.exp(20*time.Minute))
	}
	passedAll := true
	for k, m := range d.c.Modules {
		if k > 0 {
			if force == app.LearnerInProgress && k == 2 || force == "" && d.chance(0.035) {
				passedAll = false
				break
			}
			t = t.Add(d.moduleGap(fast))
		}
		if t.After(now) {
			passedAll = false
			break
		}
		dm := &demoModule{m: m, startedAt: t, lastSeenAt: t, answersAt: t}
		l.modules = append(l.modules, dm)
		if !d.work(dm, ability, fast) {
			passedAll = false
			break
		}
		t = *dm.passedAt
	}
	if !passedAll || (force == "" && d.chance(0.06)) { // some never send the evaluation
		return l
	}
	at := t.Add(time.Minute + d.exp(5*time.Minute))
	if !fast && d.chance(0.2) {
		at = at.Add(d.exp(3 * 24 * time.Hour))
	}
	if at.After(now) {
		return l
	}
	l.completedAt = &at
	d.evaluate(l)

	if l.acceptedAt != nil && force != app.LearnerCompleted && (force != "" || d.chance(0.6)) {
		c := at
		if l.acceptedAt.After(c) {
			c = *l.acceptedAt
		}
		if force != "" {
			c = c.Add(48 * time.Hour)
		} else {
			c = c.Add(time.Hour + d.exp(10*24*time.Hour))
		}
		if !c.After(now) {
			l.confirmedAt = &c
			l.note = pick(d.rng, demoNotes)
		}
	}
	if force == app.LearnerRevoked || force == "" && d.chance(0.006) {
		r := at.Add(24*time.Hour + d.exp(90*24*time.Hour))
		if force != "" {
			r = at.Add(10 * 24 * time.Hour)
		}
		if !r.After(now) {
			l.revokedAt = &r
			l.revokedReason = pick(d.rng, demoRevokeReasons)
		}
	}
	return l
}

// moduleGap is the time between passing one module and opening the next.
func (d *demo) moduleGap(fast bool) time.Duration {
	switch r := d.rng.Float64(); {
	case fast || r < 0.55:
		return time.Minute + d.exp(4*time.Minute)
	case r < 0.85:
		return time.Hour + d.exp(4*24*time.Hour)
	default:
		return 24*time.Hour + d.exp(30*24*time.Hour)
	}
}

// wall is how long on the clock some seconds of study take: a little
// longer, and now and then a break of days.
func (d *demo) wall(seconds int, fast bool) time.Duration {
	w := time.Duration(float64(seconds)*1.15) * time.Second
	if !fast && d.chance(0.12) {
		w += d.exp(2 * 24 * time.Hour)
	}
	return w
}

// work plays one module: reading, attempts until a pass, or stopping
// part-way (giving up for now, or the present moment arriving). It reports
// whether the module was passed.
func (d *demo) work(dm *demoModule, ability float64, fast bool) bool {
	now := d.opt.Now
	m := dm.m
	pending := int(float64(m.Minutes*60) * math.Exp(d.rng.NormFloat64()*0.35) * 0.85)
	pending = min(max(pending, 180), 4*m.Minutes*60)
	at := dm.startedAt.Add(d.wall(pending, fast))
	var prev *demoAttempt
	for n := 1; ; n++ {
		if at.After(now) { // still working on it: part of the time so far, some answers saved
			since := dm.lastSeenAt
			frac := float64(now.Sub(since)) / float64(at.Sub(since))
			seen := since.Add(time.Duration(frac * d.rng.Float64() * float64(at.Sub(since))))
			dm.seconds += int(float64(pending) * frac * 0.9)
			dm.lastSeenAt = seen
			if prev == nil {
				dm.answers = d.partialAnswers(m, ability)
				dm.answersAt = seen
			}
			return false
		}
		answers := d.answerModule(m, prev, ability, n)
		score := app.ScoreModule(m, answers, d.c.PassMark)
		dm.seconds += pending
		dm.lastSeenAt = at
		dm.attempts = append(dm.attempts, demoAttempt{at: at, answers: answers, score: score})
		prev = &dm.attempts[len(dm.attempts)-1]
		dm.answers, dm.answersAt = copyAnswers(answers), at
		d.attempts++
		if score.Passed {
			dm.passedAt = ptr(at)
			for _, q := range m.Questions() {
				if q.Type == app.QuestionReflection && d.chance(0.6) {
					dm.answers[q.ID] = app.Answer{ModuleID: m.ID, QuestionID: q.ID, Text: pick(d.rng, demoReflections)}
				}
			}
			return true
		}
		if !fast && d.chance(0.07) { // gives up for now
			return false
		}
		pending = 60 + d.rng.IntN(600)
		at = at.Add(d.wall(pending, fast))
	}
}

func copyAnswers(a app.Answers) app.Answers {
	out := make(app.Answers, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// answerModule chooses a whole module's answers for attempt n: a question
// is right at the first try as often as its profile says; afterwards right
// answers mostly stay right and wrong ones are mostly put right. From the
// fifth attempt everything is right, so every plan ends.
func (d *demo) answerModule(m *app.Module, prev *demoAttempt, ability float64, n int) app.Answers {
	wasRight := map[string]bool{}
	if prev != nil {
		for _, r := range prev.score.Results {
			wasRight[r.Question.ID] = r.Correct
		}
	}
	out := app.Answers{}
	for _, q := range m.Questions() {
		if !q.Scored() {
			continue
		}
		p := d.questions[q.ID]
		var right bool
		switch {
		case n >= 5:
			right = true
		case prev == nil:
			right = d.chance(min(max(p.ease+ability, 0.3), 0.995))
		case wasRight[q.ID]:
			right = d.chance(0.98)
		default:
			right = d.chance(0.6 + 0.1*float64(n))
		}
		out[q.ID] = app.Answer{ModuleID: m.ID, QuestionID: q.ID, Options: d.choose(q, p, right)}
	}
	return out
}

// partialAnswers are the answers saved so far by someone part-way through
// a module's first read.
func (d *demo) partialAnswers(m *app.Module, ability float64) app.Answers {
	out := app.Answers{}
	qs := m.Questions()
	for _, q := range qs[:d.rng.IntN(len(qs)+1)] {
		if q.Scored() {
			p := d.questions[q.ID]
			out[q.ID] = app.Answer{ModuleID: m.ID, QuestionID: q.ID, Options: d.choose(q, p, d.chance(min(max(p.ease+ability, 0.3), 0.995)))}
		}
	}
	return out
}

// choose returns option IDs in the question's order: the correct ones, or
// a plausible mistake (often the question's attractive wrong option; for
// "select all", one too many or one too few).
func (d *demo) choose(q *app.Question, p questionProfile, right bool) []string {
	chosen := map[string]bool{}
	var correct, wrong []string
	for _, o := range q.Options {
		if o.Correct {
			correct = append(correct, o.ID)
			chosen[o.ID] = true
		} else {
			wrong = append(wrong, o.ID)
		}
	}
	if !right {
		distractor := p.attractive
		if distractor == "" || (len(wrong) > 0 && d.chance(0.4)) {
			distractor = ""
			if len(wrong) > 0 {
				distractor = pick(d.rng, wrong)
			}
		}
		switch {
		case q.Type == app.QuestionSingle && distractor != "":
			clear(chosen)
			chosen[distractor] = true
		case q.Type == app.QuestionMultiple:
			r := d.rng.Float64()
			if distractor != "" && (r < 0.5 || len(correct) < 2) {
				chosen[distractor] = true
			}
			if len(correct) >= 2 && (r >= 0.5 || distractor == "") {
				delete(chosen, pick(d.rng, correct))
			}
			if r >= 0.85 && distractor != "" {
				chosen[distractor] = true
			}
		}
	}
	var out []string
	for _, o := range q.Options {
		if chosen[o.ID] {
			out = append(out, o.ID)
		}
	}
	return out
}

// evaluate fills in the course evaluation: likert ratings skewed to the
// positive (confidence before the course lower), a few comments.
func (d *demo) evaluate(l *demoLearner) {
	l.ratings, l.comments = map[string]int{}, map[string]string{}
	texts := 0
	for _, it := range d.c.Evaluation {
		switch it.Type {
		case app.EvalLikert:
			if !it.Required && !d.chance(0.85) {
				continue
			}
			weights := []float64{0.02, 0.04, 0.12, 0.45, 0.37}
			switch it.Measure {
			case "confidence_before":
				weights = []float64{0.12, 0.3, 0.38, 0.17, 0.03}
			case "confidence_after":
				weights = []float64{0.01, 0.03, 0.18, 0.5, 0.28}
			}
			x := d.rng.Float64()
			for v, w := range weights {
				if x < w || v == len(weights)-1 {
					l.ratings[it.ID] = v + 1
					break
				}
				x -= w
			}
		case app.EvalText:
			p := 0.3 / float64(texts+1)
			texts++
			if it.Required || d.chance(p) {
				l.comments[it.ID] = pick(d.rng, demoComments)
			}
		}
	}
}

// row is the learner's summary as the reports read it.
func (l *demoLearner) row(certCode string, expires *time.Time) app.LearnerRow {
	r := app.LearnerRow{CompletedAt: l.completedAt, ConfirmedAt: l.confirmedAt, CertificateCode: certCode, CertificateExpiresAt: expires}
	if len(l.modules) > 0 {
		r.StartedAt = &l.modules[0].startedAt
	}
	if l.revokedAt != nil {
		r.CertificateCode, r.CertificateExpiresAt, r.CertificateRevokedAt = "", nil, l.revokedAt
	}
	return r
}

func (d *demo) summary() *DemoSummary {
	sum := &DemoSummary{Organisations: len(d.orgs), Learners: d.opt.Learners, Managers: len(d.managers),
		Coordinators: len(d.coordinators), Attempts: d.attempts, Statuses: d.statuses}
	if len(d.coordinators) > 0 {
		sum.CoordinatorEmail = d.coordinators[0].email
	}
	for _, m := range d.managers {
		if sum.ManagerEmail == "" || m.staff > sum.ManagerStaff {
			sum.ManagerEmail, sum.ManagerStaff = m.email, m.staff
		}
	}
	return sum
}

// demoSlug makes a domain label of a name: "Larkhill Day Nursery" is
// larkhill-day-nursery.
func demoSlug(s string) string {
	return strings.ReplaceAll(demoEmailLocal(strings.ReplaceAll(s, " ", ".")), ".", "-")
}

var demoFold = strings.NewReplacer("é", "e", "ë", "e", "â", "a", "á", "a", "í", "i", "ó", "o", "ł", "l", "ś", "s", "ñ", "n", "ï", "i")

// demoEmailLocal is a name as it appears in an email address.
func demoEmailLocal(s string) string {
	s = demoFold.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r == '.' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bulkTable collects one table's rows for a bulk write.
type bulkTable struct {
	name     string
	cols     []string
	conflict string // an upsert's ON CONFLICT clause; such tables are INSERTed, never COPYed
	args     []any  // the rows, one after another
}

func (t *bulkTable) add(vals ...any) { t.args = append(t.args, vals...) }

func (t *bulkTable) rows() [][]any {
	w := len(t.cols)
	out := make([][]any, 0, len(t.args)/w)
	for i := 0; i < len(t.args); i += w {
		out = append(out, t.args[i:i+w])
	}
	return out
}

// bulkWriter writes rows in bulk inside one transaction.
type bulkWriter interface {
	// reserveIDs returns n new values for table's id column, ascending.
	reserveIDs(ctx context.Context, table string, n int) ([]int64, error)
	write(ctx context.Context, t *bulkTable) error
}

// inBulkTx runs fn in a transaction on database/sql (SQLite) or pgx
// (PostgreSQL, for COPY), not through GORM: GORM would prepare and cache
// every distinct statement for the life of the process, and bulk
// statements are long and many.
func (s *Store) inBulkTx(ctx context.Context, fn func(bulkWriter) error) error {
	if s.postgres {
		return s.withPgx(ctx, func(conn *pgx.Conn) error {
			return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return fn(pgWriter{tx}) })
		})
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(sqliteWriter{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// withPgx runs fn on one of the pool's PostgreSQL connections, as pgx.
func (s *Store) withPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL driver is %T, not pgx", dc)
		}
		return fn(sc.Conn())
	})
}

const (
	bulkRows      = 1000  // rows per INSERT statement
	bulkMaxParams = 30000 // below SQLite's 32,766 and PostgreSQL's 65,535 parameters a statement
)

// insertSQL is a multi-row INSERT of n rows, with $1-style placeholders
// for PostgreSQL or ? for SQLite.
func insertSQL(t *bulkTable, n int, dollar bool) string {
	var q strings.Builder
	fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", t.name, strings.Join(t.cols, ", "))
	for r := range n {
		if r > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for c := range len(t.cols) {
			if c > 0 {
				q.WriteByte(',')
			}
			if dollar {
				q.WriteByte('$')
				q.WriteString(strconv.Itoa(r*len(t.cols) + c + 1))
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
	}
	q.WriteString(t.conflict)
	return q.String()
}

// eachStatement calls exec with each multi-row INSERT of t's rows.
func eachStatement(t *bulkTable, dollar bool, exec func(q string, args []any) error) error {
	width := len(t.cols)
	per := min(bulkRows, bulkMaxParams/width)
	for start := 0; start < len(t.args); start += per * width {
		end := min(len(t.args), start+per*width)
		if err := exec(insertSQL(t, (end-start)/width, dollar), t.args[start:end]); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
	}
	return nil
}

type sqliteWriter struct{ tx *sql.Tx }

func (w sqliteWriter) write(ctx context.Context, t *bulkTable) error {
	return eachStatement(t, false, func(q string, args []any) error {
		_, err := w.tx.ExecContext(ctx, q, args...)
		return err
	})
}

// reserveIDs continues after the largest ID ever used; the transaction
// holds SQLite's write lock, so no one else takes them meanwhile.
func (w sqliteWriter) reserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	var last int64
	err := w.tx.QueryRowContext(ctx, `SELECT MAX(n) FROM (SELECT COALESCE(MAX(id), 0) AS n FROM `+table+`
		UNION ALL SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = ?)`, table).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + int64(i) + 1
	}
	return ids, nil
}

type pgWriter struct{ tx pgx.Tx }

// write COPYs a plain table, several times faster than INSERT.
func (w pgWriter) write(ctx context.Context, t *bulkTable) error {
	if len(t.args) == 0 {
		return nil
	}
	if t.conflict != "" {
		return eachStatement(t, true, func(q string, args []any) error {
			_, err := w.tx.Exec(ctx, q, args...)
			return err
		})
	}
	if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows())); err != nil {
		return fmt.Errorf("copy into %s: %w", t.name, err)
	}
	return nil
}

// reserveIDs takes the IDs from the table's sequence, as inserts would.
func (w pgWriter) reserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	rows, err := w.tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	slices.Sort(ids)
	return ids, nil
}

// nullTime is a nullable time as a statement argument, in UTC to the
// microsecond like every time the store writes.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// writeBatch writes a batch of planned learners in one transaction,
// with the rows each real code path would have written.
func (d *demo) writeBatch(ctx context.Context, w bulkWriter, batch []*demoLearner) error {
	var attempts, certs int
	for _, l := range batch {
		for _, dm := range l.modules {
			attempts += len(dm.attempts)
		}
		if l.completedAt != nil {
			certs++
		}
	}
	userIDs, err := w.reserveIDs(ctx, "users", len(batch))
	if err != nil {
		return err
	}
	attemptIDs, err := w.reserveIDs(ctx, "attempts", attempts)
	if err != nil {
		return err
	}
	certIDs, err := w.reserveIDs(ctx, "certificates", certs)
	if err != nil {
		return err
	}
	for i, l := range batch { // managers come first, so a learner's manager has an email by now
		l.id = userIDs[i]
		l.email = demoEmailLocal(l.first) + "." + demoEmailLocal(l.last) + strconv.FormatInt(l.id, 10) + "@" + l.org.domain
	}

	course := d.c.ID
	users := &bulkTable{name: "users", cols: []string{"id", "name", "name_norm", "email", "email_norm", "password_hash", "organisation_id",
		"job_role", "manager_email", "roles", "created_at", "updated_at", "email_verified_at"}}
	links := &bulkTable{name: "manager_links", cols: []string{"learner_id", "manager_id", "accepted_at"}}
	enrolments := &bulkTable{name: "enrolments", cols: []string{"user_id", "course_id", "organisation_id", "started_at", "modules_passed",
		"completed_at", "modules_started", "confirmed_at", "certificate_code", "certificate_expires_at", "certificate_revoked_at"}}
	progress := &bulkTable{name: "module_progress", cols: []string{"user_id", "course_id", "module_id", "started_at", "last_seen_at",
		"seconds_spent", "attempts", "last_percent", "passed_at", "pass_percent"}}
	answers := &bulkTable{name: "answers", cols: []string{"user_id", "course_id", "module_id", "question_id", "options", "text", "updated_at"}}
	attemptRows := &bulkTable{name: "attempts", cols: []string{"id", "user_id", "course_id", "module_id", "number", "correct", "total",
		"percent", "passed", "created_at"}}
	attemptAnswers := &bulkTable{name: "attempt_answers", cols: []string{"attempt_id", "question_id", "options", "correct"}}
	evaluations := &bulkTable{name: "evaluations", cols: []string{"user_id", "course_id", "submitted_at"}}
	responses := &bulkTable{name: "evaluation_responses", cols: []string{"user_id", "course_id", "item_id", "rating", "comment"}}
	certificates := &bulkTable{name: "certificates", cols: []string{"id", "code", "user_id", "course_id", "learner_name", "course_title",
		"modules", "completed_at", "cpd_minutes", "issued_at", "expires_at", "partnership", "revoked_at", "revoked_reason", "replaced_by"}}
	confirmations := &bulkTable{name: "confirmations", cols: []string{"learner_id", "course_id", "manager_id", "confirmed_at", "note"}}
	audit := &bulkTable{name: "audit_log", cols: []string{"actor_id", "action", "subject_user_id", "detail", "created_at"}}
	minutes := &bulkTable{name: "module_minutes", cols: []string{"course_id", "module_id", "minutes", "learners"},
		conflict: " ON CONFLICT (course_id, module_id, minutes) DO UPDATE SET learners = module_minutes.learners + excluded.learners"}
	totals := &bulkTable{name: "evaluation_totals", cols: []string{"course_id", "item_id", "responses", "total"},
		conflict: " ON CONFLICT (course_id, item_id) DO UPDATE SET responses = evaluation_totals.responses + excluded.responses, total = evaluation_totals.total + excluded.total"}

	type minuteKey struct {
		module  string
		minutes int
	}
	passTimes := map[minuteKey]int{}
	ratingTotals := map[string][2]int{}
	nextAttempt, nextCert := 0, 0
	for _, l := range batch {
		name := l.first + " " + l.last
		roles := app.RoleLearner
		if l.isManager {
			roles += "," + app.RoleManager
		}
		managerEmail := l.managerEmail
		if l.manager != nil {
			managerEmail = l.manager.email
		}
		users.add(l.id, name, strings.ToLower(name), l.email, app.NormaliseEmail(l.email), d.hash, l.org.id, l.jobRole, managerEmail,
			roles, utc(l.registered), utc(l.registered), utc(l.registered))
		if l.acceptedAt != nil {
			links.add(l.id, l.manager.id, utc(*l.acceptedAt))
			audit.add(l.manager.id, "manager accepted staff member", l.id, "", utc(*l.acceptedAt))
		}

		passed := 0
		for _, dm := range l.modules {
			lastPercent, passPercent := 0, 0
			if n := len(dm.attempts); n > 0 {
				lastPercent = dm.attempts[n-1].score.Percent()
			}
			if dm.passedAt != nil {
				passed++
				passPercent = lastPercent
				passTimes[minuteKey{dm.m.ID, (dm.seconds + 30) / 60}]++
			}
			progress.add(l.id, course, dm.m.ID, utc(dm.startedAt), utc(dm.lastSeenAt), dm.seconds, len(dm.attempts), lastPercent,
				nullTime(dm.passedAt), passPercent)
			for _, q := range dm.m.Questions() {
				if a, ok := dm.answers[q.ID]; ok && !a.Empty() {
					answers.add(l.id, course, dm.m.ID, q.ID, strings.Join(a.Options, ","), a.Text, utc(dm.answersAt))
				}
			}
			for n, at := range dm.attempts {
				id := attemptIDs[nextAttempt]
				nextAttempt++
				sc := at.score
				attemptRows.add(id, l.id, course, dm.m.ID, n+1, sc.Correct, sc.Total, sc.Percent(), sc.Passed, utc(at.at))
				for _, r := range sc.Results {
					if len(r.Chosen) > 0 {
						attemptAnswers.add(id, r.Question.ID, strings.Join(r.Chosen, ","), r.Correct)
					}
				}
			}
		}

		var code string
		var expires *time.Time
		if l.completedAt != nil {
			completed := utc(*l.completedAt)
			exp := completed.AddDate(0, d.opt.ValidityMonths, 0)
			expires = &exp
			code = app.NewCertificateCode()
			evaluations.add(l.id, course, completed)
			for _, it := range d.c.Evaluation {
				if v, ok := l.ratings[it.ID]; ok {
					responses.add(l.id, course, it.ID, v, nil)
					t := ratingTotals[it.ID]
					ratingTotals[it.ID] = [2]int{t[0] + 1, t[1] + v}
				}
				if v, ok := l.comments[it.ID]; ok {
					responses.add(l.id, course, it.ID, nil, v)
				}
			}
			reason := ""
			if l.revokedAt != nil {
				reason = l.revokedReason
				audit.add(d.coordinators[0].id, "revoked certificate", l.id, reason, utc(*l.revokedAt))
			}
			certificates.add(certIDs[nextCert], code, l.id, course, name, d.c.Title, d.modulesJSON, completed, d.c.CPDMinutes(),
				completed, exp, d.opt.Partnership, nullTime(l.revokedAt), reason, "")
			nextCert++
			if l.confirmedAt != nil {
				confirmations.add(l.id, course, l.manager.id, utc(*l.confirmedAt), l.note)
				audit.add(l.manager.id, "manager confirmed training", l.id, l.note, utc(*l.confirmedAt))
			}
		}
		row := l.row(code, expires)
		d.statuses[row.Status(d.opt.Now)]++
		if len(l.modules) > 0 {
			enrolments.add(l.id, course, l.org.id, utc(l.modules[0].startedAt), passed, nullTime(row.CompletedAt), len(l.modules),
				nullTime(row.ConfirmedAt), row.CertificateCode, nullTime(row.CertificateExpiresAt), nullTime(row.CertificateRevokedAt))
		}
	}
	for k, n := range passTimes {
		minutes.add(course, k.module, k.minutes, n)
	}
	for id, t := range ratingTotals {
		totals.add(course, id, t[0], t[1])
	}
	for _, t := range []*bulkTable{users, links, enrolments, progress, answers, attemptRows, attemptAnswers, evaluations, responses,
		certificates, confirmations, audit, minutes, totals} {
		if err := w.write(ctx, t); err != nil {
			return err
		}
	}
	return nil
}
