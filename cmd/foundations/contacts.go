package main

import "github.com/foundations/foundations/app"

// localContacts are the local services from the configuration, for the
// local contacts page and the administrator's warning.
func (c *config) localContacts() app.LocalContacts {
	p := c.Placeholders
	return app.LocalContacts{
		FrontDoorName: p["front_door_name"], FrontDoorPhone: p["front_door_phone"], FrontDoorURL: p["front_door_url"],
		OutOfHoursPhone: p["out_of_hours_phone"], EscalationPolicyURL: p["escalation_policy_url"],
		NeglectToolkitURL: p["neglect_toolkit_url"], TrainingContact: p["training_contact"],
		Unset: c.Unset,
	}
}
