package store

// MigrationVersions lists the migrations' versions in order, for tests.
func MigrationVersions() []int {
	out := make([]int, len(migrations))
	for i, m := range migrations {
		out[i] = m.version
	}
	return out
}
