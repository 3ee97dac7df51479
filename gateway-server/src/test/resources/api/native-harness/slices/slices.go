// Package slices stands in for Go 1.21's slices.Equal, the one function model/histogram v0.54.1 uses.
package slices

func Equal[S ~[]E, E comparable](a, b S) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
