package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one rejected option value. FromContext, App.Validate and
// Network.Validate return every Error they find joined with errors.Join;
// use errors.As to inspect one. Its message has the form
//
//	context key "schedulerPorts": "0" is not a TCP port: accepted are whole numbers from 1 to 65535, comma-separated or a JSON array
type Error struct {
	// Key is the context key of the option, e.g. "schedulerPorts": what a
	// user types after -c.
	Key string
	// Field is the Go field of the option, e.g. "Network.SchedulerPorts",
	// when the value came from Go (Network.Validate, App.Validate); empty
	// when it came from the CDK context (FromContext). The message then
	// names the field first (see Error).
	Field string
	// Value is the offending value as given; for a list, the offending
	// item. Values that are not strings are shown as JSON.
	Value string
	// Problem says what is wrong with Value, e.g. "is not a TCP port".
	Problem string
	// Accepted says what the key accepts; empty when Problem says it all.
	Accepted string

	// deps are the keys this check relied on, beyond its own value (see
	// dropFollowUps): a key whose value must have parsed, or valid(key)
	// for one whose value must also be valid. When a dependency fails, the
	// check ran on a default or on a value the user did not mean, so the
	// error may be spurious and is dropped.
	deps []string
}

// Error returns `context key "KEY": "VALUE" PROBLEM: accepted are ACCEPTED`
// (`… PROBLEM? Accepted are ACCEPTED` when PROBLEM ends in a question), or,
// with a Field, `FIELD (context key "KEY"): "VALUE" PROBLEM…`.
func (e *Error) Error() string {
	s := fmt.Sprintf("context key %q: %q %s", e.Key, e.Value, e.Problem)
	if e.Field != "" {
		s = fmt.Sprintf("%s (context key %q): %q %s", e.Field, e.Key, e.Value, e.Problem)
	}
	switch {
	case e.Accepted == "":
	case strings.HasSuffix(e.Problem, "?"): // ends with "did you mean …?"
		s += " Accepted are " + e.Accepted
	default:
		s += ": accepted are " + e.Accepted
	}
	return s
}

// UnknownKeyError is a context key that is not one of Keys but looks like a
// typo of one: it differs only in case or by at most two edits.
type UnknownKeyError struct {
	// Key is the unknown key as given.
	Key string
	// Suggestion is the key of ours it most resembles.
	Suggestion string
}

// Error returns `unknown context key "KEY": did you mean "SUGGESTION"? ...`
// followed by the list of accepted keys.
func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("unknown context key %q: did you mean %q? accepted keys are %s",
		e.Key, e.Suggestion, strings.Join(Keys, ", "))
}

// join sorts errs into key order (unknown keys first, by name; then the
// order of Keys, keeping the order of errors of one key) and joins them.
func join(unknown []*UnknownKeyError, errs []*Error) error {
	slices.SortFunc(unknown, func(a, b *UnknownKeyError) int { return cmp.Compare(a.Key, b.Key) })
	slices.SortStableFunc(errs, func(a, b *Error) int { return cmp.Compare(keyIndex(a.Key), keyIndex(b.Key)) })
	all := make([]error, 0, len(unknown)+len(errs))
	for _, e := range unknown {
		all = append(all, e)
	}
	for _, e := range errs {
		all = append(all, e)
	}
	return errors.Join(all...)
}

// keyIndex is the position of key in Keys, or len(Keys) if it is not ours.
func keyIndex(key string) int {
	if i := slices.Index(Keys, key); i >= 0 {
		return i
	}
	return len(Keys)
}
