package store

// MigrationVersions lists the version of every migration, in the order
// they run. Versions are reserved in ranges per feature, so they need not
// be consecutive.
func MigrationVersions() []int {
	out := make([]int, len(migrations))
	for i, m := range migrations {
		out[i] = m.version
	}
	return out
}
