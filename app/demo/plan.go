package demo

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/foundations/foundations/app"
)

// The plan: who the demo people are and what each of them does when. It
// decides everything with one seeded random source, in order, so a seed
// always gives the same people, answers and dates; replay.go then carries
// each plan out through the app's own operations.

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
	app.LearnerRefresherDue, app.LearnerExpired, app.LearnerRevoked, app.LearnerRefresherInProgress}

// questionProfile is how a question behaves in the demo: how often it is
// right at the first try, and the wrong option people find attractive.
type questionProfile struct {
	ease       float64
	attractive string // a wrong option ID, or ""
}

type demo struct {
	rng          *rand.Rand
	c            *app.Course
	opt          Options
	hash         string
	orgs         []*demoOrg
	orgWeights   []float64
	managers     []*demoLearner
	numManagers  int
	managerOrg   []int // for each manager, its organisation
	questions    map[string]questionProfile
	coordinators []demoCoordinator
	attempts     int
	firstNumber  int          // the number in the first new learner's email
	firstID      atomic.Int64 // the first new learner's ID
}

type demoCoordinator struct {
	user  *app.User
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
	// A refresher: when it began, its modules, and when it was completed.
	refresherAt          *time.Time
	refresher            []*demoModule
	refresherCompletedAt *time.Time
	staff                int // for a manager: accepted staff

	number int       // the learner's place in the plan, for a unique email
	user   *app.User // set when the account is created
	email  string
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
	study   int // seconds of study before it
	answers app.Answers
	score   app.Score
}

func newDemo(c *app.Course, opt Options) *demo {
	// #nosec G115 G404 -- demo data: a seeded, reproducible generator is the point, and the seed's bits are only reinterpreted
	d := &demo{rng: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5afe6a4d)), c: c, opt: opt,
		questions: map[string]questionProfile{}}
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
	case app.LearnerRefresherDue, app.LearnerRefresherInProgress: // completes within hours, so expires in about 20 days
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
	if l.revokedAt == nil && force != app.LearnerRefresherDue && force != app.LearnerExpired {
		d.planRefresher(l, ability, force == app.LearnerRefresherInProgress)
	}
	return l
}

// planRefresher decides whether and when a learner whose certificate is
// due for renewal takes the course again, and how far they get. A forced
// one has just begun.
func (d *demo) planRefresher(l *demoLearner, ability float64, forced bool) {
	now := d.opt.Now
	expires := l.completedAt.AddDate(0, d.opt.ValidityMonths, 0)
	opens := app.RefresherOpensAt(expires)
	if !forced && (now.Before(opens) || !d.chance(0.55)) {
		return
	}
	start := opens.Add(time.Hour + d.exp(20*24*time.Hour))
	if forced {
		start = now.Add(-2 * 24 * time.Hour)
	}
	if start.After(now) || l.confirmedAt != nil && !l.confirmedAt.Before(start) || start.Before(*l.completedAt) {
		return
	}
	l.refresherAt = &start
	t := start.Add(time.Minute + d.exp(10*time.Minute))
	for k, m := range d.c.Modules {
		if k > 0 {
			if forced || d.chance(0.05) {
				return
			}
			t = t.Add(d.moduleGap(false))
		}
		if t.After(now) {
			return
		}
		dm := &demoModule{m: m, startedAt: t, lastSeenAt: t, answersAt: t}
		l.refresher = append(l.refresher, dm)
		if forced { // part-way through the first module
			dm.lastSeenAt = t.Add(10 * time.Minute)
			dm.answers, dm.answersAt = d.partialAnswers(m, ability), dm.lastSeenAt
			return
		}
		if !d.work(dm, ability+0.05, false) {
			return
		}
		t = *dm.passedAt
	}
	at := t.Add(time.Minute + d.exp(5*time.Minute))
	if at.After(now) {
		return
	}
	l.refresherCompletedAt = &at
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
		dm.attempts = append(dm.attempts, demoAttempt{at: at, study: pending, answers: answers, score: score})
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
