package app

// ModulePosition is where a learner stands inside one module: how many of
// its questions they have answered, and the first one they have not,
// for the module page's progress bar, "Skip to the next unanswered
// question" and bringing a returning learner back to where they left off.
type ModulePosition struct {
	Answered, Questions int
	// FirstUnanswered is the first question, in page order, without an
	// answer; nil when every question has one. Optional reflections count
	// as questions like any other: answering them is part of the module.
	FirstUnanswered *Question
	// Section is the section holding FirstUnanswered (1-based; 0 if none).
	Section int
}

// Position computes a learner's position in m from their answers.
func Position(m *Module, answers Answers) ModulePosition {
	var p ModulePosition
	for i, s := range m.Sections {
		for _, q := range s.Questions {
			p.Questions++
			if !answers[q.ID].Empty() {
				p.Answered++
			} else if p.FirstUnanswered == nil {
				p.FirstUnanswered, p.Section = q, i+1
			}
		}
	}
	return p
}

// Returning reports whether the learner has been here before and has more
// to do: some questions answered, not all. Such a learner is offered
// "Continue where you left off".
func (p ModulePosition) Returning() bool {
	return p.Answered > 0 && p.FirstUnanswered != nil
}
