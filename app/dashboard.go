package app

// DashboardMonths is how many months of completions the dashboard shows.
const DashboardMonths = 24

// CompletionRate is the organisation's completed ÷ registered, as a whole
// percentage (0 with no one registered).
func (o OrgCount) CompletionRate() int {
	if o.Registered == 0 {
		return 0
	}
	return o.Completed * 100 / o.Registered
}

// OrganisationsWithLearners is PerOrganisation without the organisations
// nobody has registered in: the dashboard's default view.
func (d *Dashboard) OrganisationsWithLearners() []OrgCount {
	var out []OrgCount
	for _, o := range d.PerOrganisation {
		if o.Registered > 0 {
			out = append(out, o)
		}
	}
	return out
}
